package dev.forge.cli;

import dev.forge.core.ForgeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Chunk compression is configured like the storage kind: environment over {@code forge.properties} over the default. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private ForgeConfig.Storage storage(Map<String, String> env) throws IOException {
        return ConfigLoader.load(new ConfigLoader.Flags(null, 8080, dir, null), env).storage();
    }

    @Test
    void chunkCompressionIsOffUnlessConfigured() throws IOException {
        assertThat(storage(Map.of()).compression()).isEqualTo(ForgeConfig.Storage.Compression.NONE);
        Files.writeString(dir.resolve("forge.properties"), "storage=chunks\nchunk-compression=lz4\n");
        assertThat(storage(Map.of()).compression()).isEqualTo(ForgeConfig.Storage.Compression.LZ4);
        assertThat(storage(Map.of("FORGE_CHUNK_COMPRESSION", "auto")).compression()).isEqualTo(ForgeConfig.Storage.Compression.AUTO);
        assertThat(storage(Map.of("FORGE_CHUNK_COMPRESSION", "auto")).kind()).isEqualTo(ForgeConfig.Storage.Kind.CHUNKS);
    }
}
