package dev.forge.service.airlock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scanner against Python itself: {@code differential.py} (in {@code src/test/resources/airlock}) writes random
 * pickles of nested data, shared references and calls of real globals, at random protocols 0 to 5, some of them
 * through {@code pickletools.optimize}, and loads each with an unpickler whose {@code find_class} records what it is
 * asked for (and returns a stub, so nothing runs). For every pickle, the imports the scanner reports must be exactly
 * the globals Python's unpickler looked up. Needs {@code python3} (a CI requirement, see {@code .ci/run}).
 */
class PickleScannerDifferentialTest {
    private static final int PICKLES = 600;

    @TempDir
    Path dir;

    @Test
    void theScannerFindsExactlyTheGlobalsPythonLoads() throws Exception {
        Path script = dir.resolve("differential.py");
        try (InputStream in = getClass().getResourceAsStream("/airlock/differential.py")) {
            Files.copy(in, script);
        }
        Path out = Files.createDirectories(dir.resolve("pickles"));
        Process p = new ProcessBuilder("python3", script.toString(), out.toString(), "20261202", Integer.toString(PICKLES))
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();

        PickleScanner scanner = new PickleScanner(PickleReader.Limits.DEFAULTS, dir);
        int withImports = 0;
        int dangerous = 0;
        for (int i = 0; i < PICKLES; i++) {
            Set<String> expected = new TreeSet<>(Files.readAllLines(out.resolve(i + ".txt")));
            PickleScan scan = scanner.scan(FileBytes.of(out.resolve(i + ".pkl")));
            assertThat(scan).as("pickle %d", i).isInstanceOf(PickleScan.Read.class);
            Set<String> found = scan.imports().stream().map(g -> g.module() + " " + g.name()).collect(Collectors.toCollection(TreeSet::new));
            assertThat(found).as("pickle %d", i).isEqualTo(expected);
            if (!found.isEmpty()) withImports++;
            if (!scan.atLeast(PickleImport.Safety.DANGEROUS).isEmpty()) dangerous++;
        }
        // the generator exercised what it should: many pickles import something, many something dangerous
        assertThat(withImports).isGreaterThan(PICKLES / 3);
        assertThat(dangerous).isGreaterThan(PICKLES / 10);
    }
}
