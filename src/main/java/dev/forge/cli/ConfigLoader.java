package dev.forge.cli;

import dev.forge.core.ForgeConfig;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Builds a {@link ForgeConfig} from, in order of precedence: command-line flags, {@code FORGE_*}
 * environment variables, {@code forge.properties} in the data folder, and defaults
 * (127.0.0.1:8080, {@code ./forge-data}).
 */
final class ConfigLoader {
    private ConfigLoader() {}

    record Flags(String host, Integer port, Path dataDir, String publicUrl) {}

    static ForgeConfig load(Flags flags, Map<String, String> env) throws IOException {
        return load(flags, Map.of(), env);
    }

    /**
     * @param settings values given as command-line flags, by their {@code forge.properties} name (e.g.
     *     {@code airlock-pickle}); they win over the environment and the file
     */
    static ForgeConfig load(Flags flags, Map<String, String> settings, Map<String, String> env) throws IOException {
        Path data = flags.dataDir() != null ? flags.dataDir()
                : env.containsKey("FORGE_DATA") ? Path.of(env.get("FORGE_DATA")) : Path.of("forge-data");
        Properties file = new Properties();
        Path props = data.resolve("forge.properties");
        if (Files.exists(props)) {
            try (Reader r = Files.newBufferedReader(props)) {
                file.load(r);
            }
        }
        String host = first(flags.host(), env.get("FORGE_HOST"), file.getProperty("host"), "127.0.0.1");
        int port = Integer.parseInt(first(flags.port() == null ? null : flags.port().toString(), env.get("FORGE_PORT"),
                file.getProperty("port"), "8080"));
        if (port == 0) port = freePort(host);
        String publicHost = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        String publicUrl = first(flags.publicUrl(), env.get("FORGE_PUBLIC_URL"), file.getProperty("public-url"),
                "http://" + publicHost + ":" + port);
        ForgeConfig.Limits d = ForgeConfig.Limits.defaults();
        ForgeConfig.Limits limits = new ForgeConfig.Limits(
                Long.parseLong(first(null, env.get("FORGE_MAX_REGULAR_FILE_BYTES"), file.getProperty("max-regular-file-bytes"), Long.toString(d.maxRegularFileBytes()))),
                Long.parseLong(first(null, env.get("FORGE_MAX_PUSH_BYTES"), file.getProperty("max-push-bytes"), Long.toString(d.maxPushBytes()))),
                Long.parseLong(first(null, env.get("FORGE_MAX_JSON_BODY_BYTES"), file.getProperty("max-json-body-bytes"), Long.toString(d.maxJsonBodyBytes()))),
                Integer.parseInt(first(null, env.get("FORGE_MAX_BATCH_OBJECTS"), file.getProperty("max-batch-objects"), Integer.toString(d.maxBatchObjects()))),
                Integer.parseInt(first(null, env.get("FORGE_LFS_URL_TTL_SECONDS"), file.getProperty("lfs-url-ttl-seconds"), Integer.toString(d.lfsUrlTtlSeconds()))),
                Long.parseLong(first(null, env.get("FORGE_IN_FLIGHT_BODY_BYTES"), file.getProperty("in-flight-body-bytes"), Long.toString(d.inFlightBodyBytes()))),
                Long.parseLong(first(null, env.get("FORGE_IN_FLIGHT_BODY_BYTES_PER_ADDRESS"), file.getProperty("in-flight-body-bytes-per-address"),
                        Long.toString(d.inFlightBodyBytesPerAddress()))),
                Integer.parseInt(first(null, env.get("FORGE_BODY_TIMEOUT_SECONDS"), file.getProperty("body-timeout-seconds"), Integer.toString(d.bodyTimeoutSeconds()))));
        ForgeConfig.Uploads u = ForgeConfig.Uploads.defaults();
        ForgeConfig.Uploads uploads = new ForgeConfig.Uploads(
                Long.parseLong(first(null, env.get("FORGE_MULTIPART_THRESHOLD_BYTES"), file.getProperty("multipart-threshold-bytes"), Long.toString(u.multipartThresholdBytes()))),
                Long.parseLong(first(null, env.get("FORGE_MULTIPART_CHUNK_BYTES"), file.getProperty("multipart-chunk-bytes"), Long.toString(u.multipartChunkBytes()))),
                Long.parseLong(first(null, env.get("FORGE_MAX_INLINE_FILE_BYTES"), file.getProperty("max-inline-file-bytes"), Long.toString(u.maxInlineFileBytes()))),
                Integer.parseInt(first(null, env.get("FORGE_MAX_OPERATIONS_PER_COMMIT"), file.getProperty("max-operations-per-commit"), Integer.toString(u.maxOperationsPerCommit()))),
                Long.parseLong(first(null, env.get("FORGE_MAX_COMMIT_BODY_BYTES"), file.getProperty("max-commit-body-bytes"), Long.toString(u.maxCommitBodyBytes()))),
                Integer.parseInt(first(null, env.get("FORGE_MAX_PATH_BYTES"), file.getProperty("max-path-bytes"), Integer.toString(u.maxPathBytes()))),
                Long.parseLong(first(null, env.get("FORGE_MAX_OBJECT_BYTES"), file.getProperty("max-object-bytes"), Long.toString(u.maxObjectBytes()))),
                Integer.parseInt(first(null, env.get("FORGE_MAX_PARTS"), file.getProperty("max-parts"), Integer.toString(u.maxParts()))));
        ForgeConfig.Security sd = ForgeConfig.Security.defaults();
        ForgeConfig.Security security = new ForgeConfig.Security(
                Boolean.parseBoolean(first(null, env.get("FORGE_OPEN_SIGNUP"), file.getProperty("open-signup"), Boolean.toString(sd.openSignup()))),
                Integer.parseInt(first(null, env.get("FORGE_API_REQUESTS_PER_MINUTE"), file.getProperty("api-requests-per-minute"), Integer.toString(sd.apiRequestsPerMinute()))),
                Integer.parseInt(first(null, env.get("FORGE_RESOLVE_REQUESTS_PER_MINUTE"), file.getProperty("resolve-requests-per-minute"), Integer.toString(sd.resolveRequestsPerMinute()))),
                Integer.parseInt(first(null, env.get("FORGE_AUTH_FAILURES_ALLOWED"), file.getProperty("auth-failures-allowed"), Integer.toString(sd.authFailuresAllowed()))),
                Integer.parseInt(first(null, env.get("FORGE_AUTH_BLOCK_SECONDS"), file.getProperty("auth-block-seconds"), Integer.toString(sd.authBlockSeconds()))),
                Boolean.parseBoolean(first(null, env.get("FORGE_TRUST_FORWARDED_FOR"), file.getProperty("trust-forwarded-for"), Boolean.toString(sd.trustForwardedFor()))));
        ForgeConfig.Storage st = ForgeConfig.Storage.defaults();
        ForgeConfig.Storage storage = new ForgeConfig.Storage(
                ForgeConfig.Storage.Kind.valueOf(first(null, env.get("FORGE_STORAGE"), file.getProperty("storage"), st.kind().name())
                        .toUpperCase(java.util.Locale.ROOT)),
                Long.parseLong(first(null, env.get("FORGE_GC_GRACE_SECONDS"), file.getProperty("gc-grace-seconds"), Long.toString(st.gcGraceSeconds()))),
                ForgeConfig.Storage.Compression.valueOf(first(null, env.get("FORGE_CHUNK_COMPRESSION"), file.getProperty("chunk-compression"), st.compression().name())
                        .toUpperCase(java.util.Locale.ROOT)));
        ForgeConfig.Cache cd = ForgeConfig.Cache.NONE;
        String upstreams = first(null, env.get("FORGE_UPSTREAMS"), file.getProperty("upstreams"), "");
        ForgeConfig.Cache cache = new ForgeConfig.Cache(
                upstreams == null ? java.util.List.of() : java.util.Arrays.stream(upstreams.trim().split("\\s+"))
                        .filter(s -> !s.isBlank()).map(ForgeConfig.Upstream::parse).toList(),
                Long.parseLong(first(null, env.get("FORGE_CACHE_MAX_BYTES"), file.getProperty("cache-max-bytes"), Long.toString(cd.maxBytes()))),
                Long.parseLong(first(null, env.get("FORGE_CACHE_BRANCH_TTL_SECONDS"), file.getProperty("cache-branch-ttl-seconds"),
                        Long.toString(cd.branchTtlSeconds()))));
        return new ForgeConfig(host, port, data, URI.create(publicUrl), limits, uploads, security, storage, airlock(settings, env, file),
                cache);
    }

    /** The airlock: lists are comma-separated; sizes in bytes (0 = no limit). */
    static ForgeConfig.Airlock airlock(Map<String, String> settings, Map<String, String> env, Properties file) {
        ForgeConfig.Airlock d = ForgeConfig.Airlock.defaults();
        String pickle = setting(settings, env, file, "airlock-pickle", d.pickle().name());
        ForgeConfig.Airlock.Pickle mode;
        try {
            mode = ForgeConfig.Airlock.Pickle.valueOf(pickle.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("airlock-pickle must be one of allow, scan, strict, refuse (not '" + pickle + "')");
        }
        return new ForgeConfig.Airlock(
                list(setting(settings, env, file, "airlock-allow-namespaces", "")),
                list(setting(settings, env, file, "airlock-deny-namespaces", "")),
                list(setting(settings, env, file, "airlock-licenses", "")),
                mode,
                Long.parseLong(setting(settings, env, file, "airlock-max-file-bytes", Long.toString(d.maxFileBytes())).strip()),
                Long.parseLong(setting(settings, env, file, "airlock-max-revision-bytes", Long.toString(d.maxRevisionBytes())).strip()));
    }

    /** A setting by its file name: the flag, then {@code FORGE_<NAME>} ({@code airlock-pickle} is {@code FORGE_AIRLOCK_PICKLE}), then the file. */
    private static String setting(Map<String, String> settings, Map<String, String> env, Properties file, String name, String dflt) {
        String envName = "FORGE_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        String v = first(settings.get(name), env.get(envName), file.getProperty(name), dflt);
        return v == null ? "" : v;
    }

    private static java.util.List<String> list(String commaSeparated) {
        return java.util.Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Port 0 means "any free port"; it is chosen here so that the public URL can name it. */
    private static int freePort(String host) throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    private static String first(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        return null;
    }
}
