package dev.forge.app;

import dev.forge.core.ForgeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash leftovers (uploads in {@code tmp/}, ref locks) are cleared only by the serving process: a CLI command
 * opening the same data folder next to a live server must not delete that server's uploads in flight.
 */
class ForgeRecoveryTest {

    @Test
    void openingLeavesLeftoversAndRecoveryClearsThem(@TempDir Path data) throws Exception {
        ForgeConfig config = ForgeConfig.defaults(data);
        Path upload;
        Path lock;
        Path staged;
        try (Forge forge = Forge.open(config)) {
            forge.stores().git().create("0123456789abcdef01234567");
            upload = Files.writeString(data.resolve("tmp/blob-1.part"), "half an upload");
            lock = Files.writeString(data.resolve("git/0123456789abcdef01234567.git/refs/heads/main.lock"), "0".repeat(40));
            staged = Files.createDirectories(data.resolve("tmp/multipart/0123456789abcdef0123456789abcdef"));
            Instant old = Instant.now().minusSeconds(3 * 24 * 3600);
            for (Path p : new Path[] {upload, lock, staged}) Files.setLastModifiedTime(p, FileTime.from(old));
        }

        try (Forge cli = Forge.open(config)) {
            assertThat(upload).exists();
            assertThat(lock).exists();
            assertThat(staged).exists();
        }

        try (Forge server = Forge.open(config)) {
            server.recoverAfterCrash();
            assertThat(upload).doesNotExist();
            assertThat(lock).doesNotExist();
            assertThat(staged).doesNotExist();
        }
    }
}
