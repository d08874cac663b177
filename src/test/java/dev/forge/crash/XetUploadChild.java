package dev.forge.crash;

import dev.forge.core.LfsOid;
import dev.forge.storage.ChunkStore;
import dev.forge.storage.XetHash;
import dev.forge.storage.XorbStore;
import dev.forge.xet.Xorb;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The process {@link XetUploadCrashTest} kills: over a chunk store in {@code args[0]}, it stores xorbs (~8 MiB of
 * random and compressible chunks each) and registers each as a Xet file, as {@code ChunkXetCas} does after verifying
 * an upload, forever, printing {@code xorb N} and {@code file N <xet hash> <sha256>} after each step is done.
 */
public final class XetUploadChild {
    private XetUploadChild() {}

    public static void main(String[] args) throws Exception {
        try (ChunkStore store = new ChunkStore(Path.of(args[0]), InstantSource.system())) {
            XorbStore xorbs = store.capability(XorbStore.class).orElseThrow();
            Random r = new Random(Long.parseLong(args[1]));
            for (int n = 0; ; n++) {
                List<byte[]> raw = new ArrayList<>();
                for (int i = 0; i < 128; i++) {
                    byte[] c = new byte[16_000 + r.nextInt(100_000)];
                    if (i % 3 == 0) for (int k = 0; k < c.length; k++) c[k] = (byte) (k % 11);
                    else r.nextBytes(c);
                    c[0] = (byte) n; // every xorb new
                    c[1] = (byte) (n >> 8);
                    c[2] = (byte) i;
                    raw.add(c);
                }
                byte[] body = Xorb.serialize(raw, 1);
                Xorb x = Xorb.parse(body, body.length);
                List<XorbStore.StoredChunk> chunks = new ArrayList<>();
                for (Xorb.Chunk c : x.chunks()) chunks.add(new XorbStore.StoredChunk(c.hash(), c.scheme(), c.rawLength(), body, c.offset(), c.storedLength()));
                xorbs.putXorb(x.hash(), chunks);
                System.out.println("xorb " + n);
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                List<XetHash.Node> nodes = new ArrayList<>();
                long size = 0;
                for (int i = 0; i < raw.size(); i++) {
                    sha.update(raw.get(i));
                    nodes.add(new XetHash.Node(x.chunks().get(i).hash(), raw.get(i).length));
                    size += raw.get(i).length;
                }
                LfsOid oid = new LfsOid(HexFormat.of().formatHex(sha.digest()));
                byte[] fileHash = XetHash.fileHash(nodes);
                xorbs.putXetFile(oid, size, fileHash, List.of(new XorbStore.Term(x.hash(), 0, raw.size(), size)));
                System.out.println("file " + n + " " + XetHash.hex(fileHash) + " " + oid.hex());
            }
        }
    }
}
