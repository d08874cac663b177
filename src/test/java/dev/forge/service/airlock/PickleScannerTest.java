package dev.forge.service.airlock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.forge.service.airlock.PickleFixtures.fixture;
import static dev.forge.service.airlock.PickleFixtures.ops;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pickle scanner over real pickles (Python's {@code pickle} at every protocol, {@code torch.save} in both its zip
 * and its legacy layout) and over hand-made opcode streams that try to hide an import from it.
 */
class PickleScannerTest {
    @TempDir
    Path tmp;

    private PickleScan scan(byte[] bytes) {
        return new PickleScanner(PickleReader.Limits.DEFAULTS, tmp).scan(FileBytes.of(bytes));
    }

    private static List<String> names(PickleScan s, PickleImport.Safety level) {
        return s.atLeast(level).stream().map(i -> i.module() + "." + i.name()).toList();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void pythonPicklesOfPlainDataImportNothingDangerous(int protocol) {
        PickleScan s = scan(fixture("benign_p" + protocol + ".pkl"));
        assertThat(s).isInstanceOf(PickleScan.Read.class);
        assertThat(s.atLeast(PickleImport.Safety.SUSPICIOUS)).isEmpty();
        // the OrderedDict is an import, and a safe one; so is the bytes encoder protocols 0 to 2 use
        assertThat(names(s, PickleImport.Safety.INNOCUOUS)).contains("collections.OrderedDict");
        if (protocol <= 2) assertThat(names(s, PickleImport.Safety.INNOCUOUS)).contains("_codecs.encode");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void osSystemIsFoundAtEveryProtocol(int protocol) {
        // protocols 0-3 name it with GLOBAL, 4 and 5 with STACK_GLOBAL over memoized strings
        PickleScan s = scan(fixture("os_system_p" + protocol + ".pkl"));
        assertThat(s).isInstanceOf(PickleScan.Read.class);
        assertThat(names(s, PickleImport.Safety.DANGEROUS)).containsExactly("posix.system");
    }

    @Test
    void evalPopenAndASecondPickleAreFound() {
        assertThat(names(scan(fixture("eval_p2.pkl")), PickleImport.Safety.DANGEROUS)).containsExactly("__builtin__.eval");
        assertThat(names(scan(fixture("popen_p4.pkl")), PickleImport.Safety.DANGEROUS)).containsExactly("subprocess.Popen");
        PickleScan second = scan(fixture("second_pickle.pkl"));
        assertThat(second).isInstanceOf(PickleScan.Read.class);
        assertThat(names(second, PickleImport.Safety.DANGEROUS)).containsExactly("posix.system");
    }

    @Test
    void torchCheckpointsOfTensorsImportOnlyTheSafeList() {
        for (String f : List.of("torch_state_dict.pt", "torch_legacy_state_dict.bin")) {
            PickleScan s = scan(fixture(f));
            assertThat(s).as(f).isInstanceOf(PickleScan.Read.class);
            assertThat(s.atLeast(PickleImport.Safety.SUSPICIOUS)).as(f).isEmpty();
            assertThat(names(s, PickleImport.Safety.INNOCUOUS)).as(f)
                    .contains("torch._utils._rebuild_tensor_v2", "torch.FloatStorage", "collections.OrderedDict");
        }
    }

    @Test
    void anExploitInsideATorchCheckpointIsFound() {
        for (String f : List.of("torch_os_system.pt", "torch_legacy_os_system.bin", "zip_os_system.pt")) {
            assertThat(names(scan(fixture(f)), PickleImport.Safety.DANGEROUS)).as(f).containsExactly("posix.system");
        }
    }

    @Test
    void aZipOnLocalDiskIsReadInPlace() throws Exception {
        Path file = Files.write(tmp.resolve("model.pt"), fixture("torch_os_system.pt"));
        PickleScan s = new PickleScanner(PickleReader.Limits.DEFAULTS, tmp.resolve("copies")).scan(FileBytes.of(file));
        assertThat(names(s, PickleImport.Safety.DANGEROUS)).containsExactly("posix.system");
        assertThat(tmp.resolve("copies")).doesNotExist();
    }

    @Test
    void stackGlobalTakesItsStringsFromTheMemoAndFromDup() {
        // the strings are memoized in slots 7 and 9, then fetched with BINGET / LONG_BINGET
        byte[] viaMemo = ops().proto(4).str("subprocess").op('q', 7).op('0').str("check_output").op('r', 9, 0, 0, 0).op('0')
                .op('h', 7).op('j', 9, 0, 0, 0).op(0x93).stop().bytes();
        assertThat(names(scan(viaMemo), PickleImport.Safety.DANGEROUS)).containsExactly("subprocess.check_output");
        // text GET/PUT of protocol 0
        byte[] viaTextMemo = ops().raw("Vos\np1\n0Vsystem\np2\n0g1\ng2\n").op(0x93).stop().bytes();
        assertThat(names(scan(viaTextMemo), PickleImport.Safety.DANGEROUS)).containsExactly("os.system");
        byte[] viaDup = ops().proto(4).str("os").op('2').op(0x93).stop().bytes();
        assertThat(names(scan(viaDup), PickleImport.Safety.DANGEROUS)).containsExactly("os.os");
        // MEMOIZE numbers slots by how many there are
        byte[] viaMemoize = ops().proto(4).str("nt").op(0x94).str("spawnv").op(0x94).op('0', '0').op('h', 0, 'h', 1, 0x93).stop().bytes();
        assertThat(names(scan(viaMemoize), PickleImport.Safety.DANGEROUS)).containsExactly("nt.spawnv");
    }

    @Test
    void escapedNamesAreDecodedAsPythonDecodesThem() {
        // STRING with \x and octal escapes: 'o\x73' and '\163ystem' are "os" and "system"
        byte[] escaped = ops().raw("S'o\\x73'\nS'\\163ystem'\n").op(0x93).stop().bytes();
        assertThat(names(scan(escaped), PickleImport.Safety.DANGEROUS)).containsExactly("os.system");
        // UNICODE (raw-unicode-escape): \u0065val is eval
        byte[] unicode = ops().raw("Vbuiltins\nV\\u0065val\n").op(0x93).stop().bytes();
        assertThat(names(scan(unicode), PickleImport.Safety.DANGEROUS)).containsExactly("builtins.eval");
        // BINSTRING / SHORT_BINSTRING / BINUNICODE
        byte[] counted = ops().op('U', 2).raw("os").op('T', 6, 0, 0, 0).raw("system").op(0x93).op('0')
                .op('X', 8, 0, 0, 0).raw("builtins").op('X', 4, 0, 0, 0).raw("exec").op(0x93).stop().bytes();
        assertThat(names(scan(counted), PickleImport.Safety.DANGEROUS)).containsExactly("os.system", "builtins.exec");
    }

    @Test
    void attributeChainsAndPythonTwoNamesAreRatedByWhatTheyReach() {
        byte[] chain = ops().proto(4).str("builtins").str("eval.__call__").op(0x93).stop().bytes();
        assertThat(names(scan(chain), PickleImport.Safety.DANGEROUS)).containsExactly("builtins.eval.__call__");
        byte[] viaParent = ops().proto(4).str("torch").str("serialization.load").op(0x93).stop().bytes();
        assertThat(names(scan(viaParent), PickleImport.Safety.DANGEROUS)).containsExactly("torch.serialization.load");
        assertThat(names(scan(ops().global("os.path", "join").stop().bytes()), PickleImport.Safety.DANGEROUS)).containsExactly("os.path.join");
        assertThat(names(scan(ops().global("cPickle", "loads").stop().bytes()), PickleImport.Safety.DANGEROUS)).containsExactly("cPickle.loads");
        assertThat(names(scan(ops().op('(').raw("icommands\ngetoutput\n").stop().bytes()), PickleImport.Safety.DANGEROUS))
                .containsExactly("commands.getoutput");
    }

    @Test
    void aStackGlobalOverSomethingElseThanStringsIsAnUnknownDangerousImport() {
        byte[] notStrings = ops().proto(4).op('K', 1).op('K', 2).op(0x93).stop().bytes();
        PickleScan s = scan(notStrings);
        assertThat(names(s, PickleImport.Safety.DANGEROUS)).containsExactly(PickleImport.UNKNOWN + "." + PickleImport.UNKNOWN);
        // a module name too long to keep is unknown too
        byte[] longName = ops().proto(4).op(0x8d).op(5000 & 0xff, 5000 >> 8, 0, 0, 0, 0, 0, 0).raw("a".repeat(5000)).str("system")
                .op(0x93).stop().bytes();
        assertThat(names(scan(longName), PickleImport.Safety.DANGEROUS)).containsExactly(PickleImport.UNKNOWN + ".system");
    }

    @Test
    void unlistedGlobalsAreSuspiciousNotDangerous() {
        PickleScan s = scan(ops().global("sklearn.linear_model", "LogisticRegression").stop().bytes());
        assertThat(s.atLeast(PickleImport.Safety.DANGEROUS)).isEmpty();
        assertThat(names(s, PickleImport.Safety.SUSPICIOUS)).containsExactly("sklearn.linear_model.LogisticRegression");
    }

    @Test
    void malformedStreamsAreInvalidWithAReason() {
        assertInvalid(new byte[0], "empty");
        assertInvalid(ops().proto(4).str("x").bytes(), "truncated");
        assertInvalid(ops().op(0xff).bytes(), "invalid opcode 0xff");
        assertInvalid(ops().proto(9).stop().bytes(), "unsupported pickle protocol 9");
        assertInvalid(ops().proto(4).op(0x93).stop().bytes(), "stack underflow");
        assertInvalid(ops().proto(4).op('h', 3).stop().bytes(), "memo slot 3 is empty");
        assertInvalid(ops().proto(4).op('e').stop().bytes(), "no mark");
        assertInvalid(ops().raw("Sunquoted\n").stop().bytes(), "must be quoted");
        assertInvalid(ops().raw("S'\\x6'\n").stop().bytes(), "\\x escape");
        // a length claiming more bytes than there are
        assertInvalid(ops().proto(4).op(0x8e, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0).stop().bytes(), "truncated");
        // a length beyond a signed 64-bit number
        assertInvalid(ops().proto(4).op(0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff).stop().bytes(), "negative length");
        // strings below a mark cannot be taken by STACK_GLOBAL (CPython keeps marks apart)
        assertInvalid(ops().proto(4).str("os").str("system").op('(').op(0x93).stop().bytes(), "stack underflow");
        // a zip that is not one
        assertInvalid(ops().raw("PK\u0003\u0004garbage").bytes(), "could not be read");
    }

    @Test
    void importsMetBeforeTheStreamBreaksAreStillReported() {
        PickleScan s = scan(ops().proto(2).global("posix", "system").op(0xff).bytes());
        assertThat(s).isInstanceOf(PickleScan.Invalid.class);
        assertThat(names(s, PickleImport.Safety.DANGEROUS)).containsExactly("posix.system");
    }

    @Test
    void workIsBoundedByTheLimits() {
        PickleReader.Limits small = new PickleReader.Limits(1000, 50, 20, 5, 64);
        PickleScanner scanner = new PickleScanner(small, tmp);
        PickleFixtures.Ops deep = ops().proto(4);
        for (int i = 0; i < 30; i++) deep.op(']');
        assertThat(scanner.scan(FileBytes.of(deep.stop().bytes()))).isInstanceOfSatisfying(PickleScan.Invalid.class,
                i -> assertThat(i.reason()).contains("deeper than 20"));
        PickleFixtures.Ops marks = ops().proto(4);
        for (int i = 0; i < 40; i++) marks.op('(');
        assertThat(scanner.scan(FileBytes.of(marks.stop().bytes()))).isInstanceOfSatisfying(PickleScan.Invalid.class,
                i -> assertThat(i.reason()).contains("marks"));
        PickleFixtures.Ops memo = ops().proto(4).op('N');
        for (int i = 0; i < 10; i++) memo.op('q', i);
        assertThat(scanner.scan(FileBytes.of(memo.stop().bytes()))).isInstanceOfSatisfying(PickleScan.Invalid.class,
                i -> assertThat(i.reason()).contains("memo slots"));
        PickleFixtures.Ops many = ops().proto(4);
        for (int i = 0; i < 60; i++) many.op('N', '0');
        assertThat(scanner.scan(FileBytes.of(many.op('N').stop().bytes()))).isInstanceOfSatisfying(PickleScan.Invalid.class,
                i -> assertThat(i.reason()).contains("opcodes"));
        byte[] big = ops().proto(4).op(0x8e, 0x10, 0x27, 0, 0, 0, 0, 0, 0).raw("x".repeat(10_000)).stop().bytes();
        assertThat(scanner.scan(FileBytes.of(big))).isInstanceOfSatisfying(PickleScan.Invalid.class,
                i -> assertThat(i.reason()).contains("more than 1000 bytes"));
        // the same stream within the default limits is fine
        assertThat(scan(big)).isInstanceOf(PickleScan.Read.class);
    }

    private void assertInvalid(byte[] bytes, String reason) {
        assertThat(scan(bytes)).isInstanceOfSatisfying(PickleScan.Invalid.class, i -> assertThat(i.reason()).contains(reason));
    }
}
