package dev.forge.service.airlock;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.nio.file.Path;
import java.util.List;

import static dev.forge.service.airlock.PickleFixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input never breaks the scanner: any bytes, and any damage to real pickles and checkpoints, give a
 * verdict ({@link PickleScan.Read} or {@link PickleScan.Invalid}) and never an exception; a pickle cut short is
 * invalid; and an import cannot be hidden behind stack-neutral noise or a benign pickle in front.
 */
class PickleScannerFuzzTest {
    private static final List<String> FIXTURES = List.of("benign_p0.pkl", "benign_p2.pkl", "benign_p4.pkl", "benign_p5.pkl",
            "os_system_p1.pkl", "os_system_p4.pkl", "second_pickle.pkl", "torch_state_dict.pt", "torch_legacy_state_dict.bin",
            "torch_os_system.pt", "zip_os_system.pt");
    private static final PickleScanner SCANNER = new PickleScanner(new PickleReader.Limits(1 << 20, 100_000, 10_000, 10_000, 4096),
            Path.of(System.getProperty("java.io.tmpdir"), "forge-airlock-fuzz"));

    private static PickleScan scan(byte[] bytes) {
        PickleScan s = SCANNER.scan(FileBytes.of(bytes));
        assertThat(s).isNotNull();
        if (s instanceof PickleScan.Invalid i) assertThat(i.reason()).doesNotStartWith(PickleScanner.SCANNER_FAILURE);
        return s;
    }

    @Property(tries = 400)
    void anyBytesGiveAVerdict(@ForAll @Size(max = 3000) byte[] bytes) {
        scan(bytes);
    }

    @Property(tries = 200)
    void anyBytesAfterAPickleOrZipHeaderGiveAVerdict(@ForAll("headers") byte[] header, @ForAll @Size(max = 2000) byte[] rest) {
        byte[] b = new byte[header.length + rest.length];
        System.arraycopy(header, 0, b, 0, header.length);
        System.arraycopy(rest, 0, b, header.length, rest.length);
        scan(b);
    }

    @Provide
    Arbitrary<byte[]> headers() {
        return Arbitraries.of(new byte[] {(byte) 0x80, 4, (byte) 0x95}, new byte[] {(byte) 0x80, 2}, new byte[] {'P', 'K', 3, 4},
                new byte[] {'c'}, new byte[] {'('}, new byte[] {(byte) 0x80, 4, (byte) 0x8c});
    }

    @Property(tries = 400)
    void damagedRealFilesGiveAVerdict(@ForAll("fixtures") String name, @ForAll @IntRange(max = 1_000_000) int at,
                                      @ForAll byte value, @ForAll @IntRange(min = 0, max = 2) int damage) {
        byte[] original = fixture(name);
        int i = at % original.length;
        byte[] damaged = switch (damage) {
            case 0 -> { // overwrite one byte
                byte[] d = original.clone();
                d[i] = value;
                yield d;
            }
            case 1 -> java.util.Arrays.copyOf(original, i); // cut short
            default -> { // insert one byte
                byte[] d = new byte[original.length + 1];
                System.arraycopy(original, 0, d, 0, i);
                d[i] = value;
                System.arraycopy(original, i, d, i + 1, original.length - i);
                yield d;
            }
        };
        scan(damaged);
    }

    @Provide
    Arbitrary<String> fixtures() { return Arbitraries.of(FIXTURES); }

    @Property(tries = 200)
    void aPickleCutShortIsInvalid(@ForAll("plainPickles") String name, @ForAll @IntRange(max = 1_000_000) int at) {
        byte[] original = fixture(name);
        byte[] cut = java.util.Arrays.copyOf(original, at % original.length);
        assertThat(scan(cut)).isInstanceOf(PickleScan.Invalid.class);
    }

    @Provide
    Arbitrary<String> plainPickles() {
        return Arbitraries.of("benign_p0.pkl", "benign_p1.pkl", "benign_p2.pkl", "benign_p3.pkl", "benign_p4.pkl", "benign_p5.pkl",
                "os_system_p0.pkl", "os_system_p4.pkl");
    }

    /** Opcode runs that leave the stack as they found it (with at least one item on it). */
    private static final List<byte[]> NEUTRAL = List.of(new byte[] {'N', '0'}, new byte[] {'(', 'K', 1, 'K', 2, '1'},
            new byte[] {']', 'N', 'a', '0'}, new byte[] {'}', 'N', 'N', 's', '0'}, new byte[] {'2', '0'},
            new byte[] {'N', (byte) 0x85, '0'}, new byte[] {'q', 99}, new byte[] {(byte) 0x94}, new byte[] {'(', '0'},
            new byte[] {(byte) 0x8c, 2, 'o', 's', '0'}, new byte[] {'(', 'N', 'N', 't', '0'}, new byte[] {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0, 0});

    @Property(tries = 300)
    void anImportIsFoundThroughStackNeutralNoise(@ForAll @Size(max = 12) List<@IntRange(max = 11) Integer> before,
                                                 @ForAll @Size(max = 12) List<@IntRange(max = 11) Integer> between,
                                                 @ForAll boolean benignPickleFirst) {
        PickleFixtures.Ops ops = PickleFixtures.ops();
        if (benignPickleFirst) ops.raw(new String(fixture("benign_p4.pkl"), java.nio.charset.StandardCharsets.ISO_8859_1));
        ops.proto(4).str("subprocess");
        for (int i : before) ops.op(toInts(NEUTRAL.get(i)));
        ops.str("run");
        for (int i : between) ops.op(toInts(NEUTRAL.get(i)));
        ops.op(0x93).op('0').op('N').stop();
        PickleScan s = scan(ops.bytes());
        assertThat(s).isInstanceOf(PickleScan.Read.class);
        assertThat(s.atLeast(PickleImport.Safety.DANGEROUS)).extracting(i -> i.module() + "." + i.name())
                .containsExactly("subprocess.run");
    }

    private static int[] toInts(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xff;
        return out;
    }
}
