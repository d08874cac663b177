package dev.forge.cli;

import dev.forge.core.ForgeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void theAirlockIsOpenUnlessConfiguredAndFlagsWinOverEnvironmentOverFile() throws IOException {
        ConfigLoader.Flags flags = new ConfigLoader.Flags(null, 8080, dir, null);
        assertThat(ConfigLoader.load(flags, Map.of()).airlock()).isEqualTo(ForgeConfig.Airlock.defaults());
        Files.writeString(dir.resolve("forge.properties"), """
                airlock-allow-namespaces = meta-llama, google*
                airlock-deny-namespaces = evil
                airlock-licenses = apache-2.0,mit
                airlock-pickle = scan
                airlock-max-file-bytes = 1000
                airlock-max-revision-bytes = 5000
                """);
        ForgeConfig.Airlock fromFile = ConfigLoader.load(flags, Map.of()).airlock();
        assertThat(fromFile).isEqualTo(new ForgeConfig.Airlock(List.of("meta-llama", "google*"), List.of("evil"), List.of("apache-2.0", "mit"),
                ForgeConfig.Airlock.Pickle.SCAN, 1000, 5000));
        ForgeConfig.Airlock fromEnv = ConfigLoader.load(flags, Map.of("FORGE_AIRLOCK_PICKLE", "refuse", "FORGE_AIRLOCK_LICENSES", "mit")).airlock();
        assertThat(fromEnv.pickle()).isEqualTo(ForgeConfig.Airlock.Pickle.REFUSE);
        assertThat(fromEnv.allowedLicenses()).containsExactly("mit");
        assertThat(fromEnv.allowedNamespaces()).containsExactly("meta-llama", "google*");
        ForgeConfig.Airlock fromFlags = ConfigLoader.load(flags, Map.of("airlock-pickle", "strict", "airlock-max-file-bytes", "0"),
                Map.of("FORGE_AIRLOCK_PICKLE", "refuse")).airlock();
        assertThat(fromFlags.pickle()).isEqualTo(ForgeConfig.Airlock.Pickle.STRICT);
        assertThat(fromFlags.maxFileBytes()).isZero();
        assertThatThrownBy(() -> ConfigLoader.load(flags, Map.of("FORGE_AIRLOCK_PICKLE", "maybe")))
                .hasMessageContaining("airlock-pickle must be one of allow, scan, strict, refuse");
    }

    @Test
    void serveTakesTheAirlockAsFlags() throws IOException {
        ForgeCli.Serve serve = new ForgeCli.Serve();
        new picocli.CommandLine(serve).parseArgs("--airlock-deny-namespace", "evil", "--airlock-deny-namespace", "bad*",
                "--airlock-license", "mit", "--airlock-pickle", "scan", "--airlock-max-file-bytes", "123");
        ForgeConfig.Airlock a = ConfigLoader.load(new ConfigLoader.Flags(null, 8080, dir, null), serve.airlockSettings(),
                Map.of("FORGE_AIRLOCK_PICKLE", "refuse", "FORGE_AIRLOCK_MAX_REVISION_BYTES", "456")).airlock();
        assertThat(a).isEqualTo(new ForgeConfig.Airlock(List.of(), List.of("evil", "bad*"), List.of("mit"), ForgeConfig.Airlock.Pickle.SCAN,
                123, 456));
    }

    @Test
    void upstreamsComeFromTheEnvironmentOrTheFileAndTheirTokensAreNotPrinted() throws IOException {
        ConfigLoader.Flags flags = new ConfigLoader.Flags(null, 8080, dir, null);
        assertThat(ConfigLoader.load(flags, Map.of()).cache().enabled()).isFalse();
        Files.writeString(dir.resolve("forge.properties"), "upstreams = https://hub.example/ \ncache-max-bytes = 1000\n");
        ForgeConfig.Cache fromFile = ConfigLoader.load(flags, Map.of()).cache();
        assertThat(fromFile.upstreams()).containsExactly(new ForgeConfig.Upstream(java.net.URI.create("https://hub.example"), ""));
        assertThat(fromFile.maxBytes()).isEqualTo(1000);
        ForgeConfig.Cache fromEnv = ConfigLoader.load(flags, Map.of("FORGE_UPSTREAMS", "http://a.example,hf_secret  https://b.example",
                "FORGE_CACHE_BRANCH_TTL_SECONDS", "5")).cache();
        assertThat(fromEnv.upstreams()).extracting(u -> u.url().toString()).containsExactly("http://a.example", "https://b.example");
        assertThat(fromEnv.upstreams().getFirst().token()).isEqualTo("hf_secret");
        assertThat(fromEnv.branchTtlSeconds()).isEqualTo(5);
        assertThat(fromEnv.toString()).doesNotContain("hf_secret");
        assertThatThrownBy(() -> ForgeConfig.Upstream.parse("ftp://x.example")).isInstanceOf(IllegalArgumentException.class);
    }
}
