package dev.forge.xet;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The xorb, shard and files hf_xet 1.6.0 uploaded to a recording CAS (src/test/resources/xet/hf_xet-1.6.0/README.md). */
public final class XetVectors {
    private XetVectors() {}

    public static final String XORB = "780b5e3e36022d1132ed022d6491abbe5fddbf7af434815e6c13db68c13ea337";
    public static final String[] FILES = {"f1.bin", "f2.bin", "f3.bin"};
    public static final String[] FILE_HASHES = {
            "095f4682a1db4a417f8155cea8bc6afd98eff7bd17165b0e79bdbb7e63353fdd",
            "942178bf884aa91be9ab385573dda13b60f3671b9d8ef1d5e5d5a4126343c350",
            "7e38477f17103a6a2a30f2f5ea23636a88bac92010a60b39b5876005e09db732"};
    public static final String[] SHA256 = {
            "c0f052780c45247d76aca4a9a7d14de9bf6082f128703a7a4eb2f3ee8d006c93",
            "9e72eb85ff3730a6f018f2bffbe8930a87d864ee2917db0c4b434156592964ea",
            "e2177b34111b11f45e3f16a483633f345212c310598e676ffdff91224389b2af"};
    public static final long[] SIZES = {516000, 50, 160000};

    public static byte[] resource(String name) {
        try (InputStream in = XetVectors.class.getResourceAsStream("/xet/hf_xet-1.6.0/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] xorb() { return resource(XORB + ".xorb"); }

    public static byte[] shard() { return resource("upload.shard"); }
}
