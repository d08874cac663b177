package dev.forge.cli;

import dev.forge.core.RepoType;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code forge index rebuild}: rebuilds with the server stopped, and refuses (touching nothing) while a server holds the index. */
class IndexRebuildCommandTest {

    static int run(String... args) {
        return new CommandLine(new ForgeCli()).setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(new StringWriter()))
                .execute(args);
    }

    @Test
    void rebuildsWhileNoServerRunsAndRefusesWhileOneDoes(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            tf.createRepo(RepoType.MODEL, "admin/one");
            tf.createRepo(RepoType.DATASET, "admin/two");
            // the running server holds the index: the command must refuse, not take the lock for a broken index
            assertThat(run("index", "rebuild", "--data", dir.toString())).isEqualTo(1);
            assertThat(new String(tf.get("/api/models").body())).contains("admin/one");
        }
        try (Stream<Path> siblings = Files.list(dir.resolve("index"))) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("broken"));
        }
        assertThat(run("index", "rebuild", "--data", dir.toString())).isZero();
        try (TestForge tf = TestForge.start(dir)) {
            assertThat(new String(tf.get("/api/models").body())).contains("admin/one");
            assertThat(new String(tf.get("/api/datasets").body())).contains("admin/two");
        }
    }
}
