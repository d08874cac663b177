package dev.forge.core;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything configurable, in one place. The CLI fills it from flags, then {@code FORGE_*} environment
 * variables, then {@code forge.properties} in the data folder, then these defaults.
 *
 * @param publicUrl the base of every absolute URL the server writes (Link headers, LFS hrefs, repo urls),
 *     without a trailing slash; may carry a path prefix
 */
public record ForgeConfig(String host, int port, Path dataDir, URI publicUrl, Limits limits, Uploads uploads, Security security,
                          Storage storage, Airlock airlock, Cache cache) {

    public ForgeConfig(String host, int port, Path dataDir, URI publicUrl, Limits limits, Uploads uploads, Security security,
                       Storage storage) {
        this(host, port, dataDir, publicUrl, limits, uploads, security, storage, Airlock.defaults(), Cache.NONE);
    }

    public ForgeConfig(String host, int port, Path dataDir, URI publicUrl, Limits limits, Uploads uploads, Security security,
                       Storage storage, Airlock airlock) {
        this(host, port, dataDir, publicUrl, limits, uploads, security, storage, airlock, Cache.NONE);
    }

    /** This configuration with {@code cache} instead of its own. */
    public ForgeConfig withCache(Cache cache) {
        return new ForgeConfig(host, port, dataDir, publicUrl, limits, uploads, security, storage, airlock, cache);
    }

    /**
     * The pull-through cache: the upstreams asked, in order, for a repository not held here (none: no cache), the most
     * bytes of upstream files kept (0: no limit; past it whole least-recently-used revisions are evicted), and how long a
     * branch or tag name is trusted before the upstream is asked again where it points (commit ids are never re-asked).
     */
    public record Cache(java.util.List<Upstream> upstreams, long maxBytes, long branchTtlSeconds) {
        public static final Cache NONE = new Cache(java.util.List.of(), 0, 300);

        public Cache {
            upstreams = java.util.List.copyOf(upstreams);
            if (maxBytes < 0 || branchTtlSeconds < 0) throw new IllegalArgumentException("cache limits must not be negative");
        }

        public boolean enabled() { return !upstreams.isEmpty(); }
    }

    /**
     * A Hub-compatible endpoint (the Hub, a regional mirror, another Forge) and the token the cache presents to it
     * (empty: anonymous). The token is a secret: {@link #toString} leaves it out.
     */
    public record Upstream(URI url, String token) {
        public Upstream {
            String u = url.toString();
            if (u.endsWith("/")) url = URI.create(u.substring(0, u.length() - 1));
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new IllegalArgumentException("an upstream is an http(s) URL: " + u);
            }
            token = token == null ? "" : token;
        }

        /** {@code URL} or {@code URL,TOKEN} (a flag's or {@code FORGE_UPSTREAMS}' form; several are separated by spaces). */
        public static Upstream parse(String spec) {
            int comma = spec.indexOf(',');
            return comma < 0 ? new Upstream(URI.create(spec.trim()), "")
                    : new Upstream(URI.create(spec.substring(0, comma).trim()), spec.substring(comma + 1).trim());
        }

        @Override
        public String toString() { return url + (token.isEmpty() ? "" : " (with a token)"); }
    }

    public ForgeConfig(String host, int port, Path dataDir, URI publicUrl, Limits limits) {
        this(host, port, dataDir, publicUrl, limits, Uploads.defaults());
    }

    public ForgeConfig(String host, int port, Path dataDir, URI publicUrl, Limits limits, Uploads uploads) {
        this(host, port, dataDir, publicUrl, limits, uploads, Security.defaults(), Storage.defaults());
    }

    public ForgeConfig(String host, int port, Path dataDir, URI publicUrl, Limits limits, Uploads uploads, Security security) {
        this(host, port, dataDir, publicUrl, limits, uploads, security, Storage.defaults());
    }

    public ForgeConfig(String host, int port, Path dataDir, URI publicUrl, Limits limits, Uploads uploads, Storage storage) {
        this(host, port, dataDir, publicUrl, limits, uploads, Security.defaults(), storage);
    }

    /**
     * Accounts and abuse limits.
     *
     * @param openSignup whether anyone may create an account ({@code POST /api/signup}); otherwise only admins add users
     * @param apiRequestsPerMinute requests per minute to {@code /api/} per token (or per address when anonymous); 0 = no limit
     * @param resolveRequestsPerMinute the same for file downloads ({@code resolve}, {@code raw}); 0 = no limit
     * @param authFailuresAllowed failed logins or unknown tokens an address may present within ten minutes before it is blocked
     * @param authBlockSeconds how long the first block lasts; each further one doubles it, up to an hour
     * @param trustForwardedFor take the client address from {@code X-Forwarded-For} (only behind a trusted reverse proxy)
     */
    public record Security(boolean openSignup, int apiRequestsPerMinute, int resolveRequestsPerMinute,
                           int authFailuresAllowed, int authBlockSeconds, boolean trustForwardedFor) {
        public Security {
            if (apiRequestsPerMinute < 0 || resolveRequestsPerMinute < 0) throw new IllegalArgumentException("rate limits must be >= 0");
            if (authFailuresAllowed < 1 || authBlockSeconds < 1) throw new IllegalArgumentException("auth failure limits must be positive");
        }

        public static Security defaults() { return new Security(false, 1000, 3000, 10, 60, false); }
    }

    /**
     * Where LFS objects are kept: {@code CHUNKS} (the default) is the deduplicating chunk store (objects still in a
     * plain store stay readable there until {@code forge storage migrate} moves them); {@code PLAIN} is one file per
     * object. {@code gcGraceSeconds}: gc never removes what was written more recently than this. {@code compression}: what
     * the chunk store tries on each new chunk ({@code NONE}: nothing, chunks stay uncompressed; {@code LZ4}: LZ4;
     * {@code AUTO}: LZ4 and Xet's byte-grouped BG4_LZ4), keeping a compressed form only where it saves enough.
     */
    public record Storage(Kind kind, long gcGraceSeconds, Compression compression) {
        public enum Kind { PLAIN, CHUNKS }

        public enum Compression { NONE, LZ4, AUTO }

        public Storage {
            if (gcGraceSeconds < 0) throw new IllegalArgumentException("gcGraceSeconds must not be negative");
        }

        public Storage(Kind kind, long gcGraceSeconds) {
            this(kind, gcGraceSeconds, Compression.NONE);
        }

        public static Storage defaults() {
            return new Storage(Kind.CHUNKS, 86_400, Compression.NONE);
        }
    }

    /**
     * Upload API settings. LFS objects larger than {@code multipartThresholdBytes} are offered the
     * multipart transfer (to clients that list it) in parts of {@code multipartChunkBytes}.
     *
     * @param maxObjectBytes the largest LFS object the batch API grants an upload for (the Hub's limit is 50 GB per file)
     * @param maxParts the most parts one multipart upload may have (S3's limit, which the Hub clients expect)
     */
    public record Uploads(long multipartThresholdBytes, long multipartChunkBytes, long maxInlineFileBytes,
                          int maxOperationsPerCommit, long maxCommitBodyBytes, int maxPathBytes, long maxObjectBytes, int maxParts) {
        public static final long HUB_MAX_OBJECT_BYTES = 50_000_000_000L;
        public static final int DEFAULT_MAX_PARTS = 10_000;

        public Uploads {
            if (multipartChunkBytes < 1) throw new IllegalArgumentException("multipartChunkBytes must be positive");
            if (maxPathBytes < 1 || maxPathBytes > RepoPath.MAX_LENGTH) {
                throw new IllegalArgumentException("maxPathBytes must be between 1 and " + RepoPath.MAX_LENGTH);
            }
            if (maxObjectBytes < 0 || maxParts < 1) throw new IllegalArgumentException("maxObjectBytes and maxParts must be positive");
        }

        public Uploads(long multipartThresholdBytes, long multipartChunkBytes, long maxInlineFileBytes,
                       int maxOperationsPerCommit, long maxCommitBodyBytes, int maxPathBytes) {
            this(multipartThresholdBytes, multipartChunkBytes, maxInlineFileBytes, maxOperationsPerCommit, maxCommitBodyBytes,
                    maxPathBytes, HUB_MAX_OBJECT_BYTES, DEFAULT_MAX_PARTS);
        }

        public Uploads(long multipartThresholdBytes, long multipartChunkBytes, long maxInlineFileBytes,
                       int maxOperationsPerCommit, long maxCommitBodyBytes) {
            this(multipartThresholdBytes, multipartChunkBytes, maxInlineFileBytes, maxOperationsPerCommit, maxCommitBodyBytes,
                    RepoPath.MAX_LENGTH);
        }

        public static Uploads defaults() {
            return new Uploads(64L * 1024 * 1024, 64L * 1024 * 1024, 10L * 1024 * 1024, 25_000, 1024L * 1024 * 1024, RepoPath.MAX_LENGTH,
                    HUB_MAX_OBJECT_BYTES, DEFAULT_MAX_PARTS);
        }

        /** The parts of a {@code size}-byte object in parts of {@code chunk} bytes (at least one), without overflow. */
        public static long partCount(long size, long chunk) {
            if (chunk <= 0 || size < 0) throw new IllegalArgumentException("size and chunk");
            return Math.max(1, size / chunk + (size % chunk == 0 ? 0 : 1));
        }
    }

    /**
     * Request limits; each refusal is a clear 4xx.
     *
     * @param inFlightBodyBytes the most bytes of request bodies that the server buffers whole (JSON and form bodies) at
     *     once, over all clients; a body that would pass it is refused with 429 (Retry-After) before it is read
     * @param inFlightBodyBytesPerAddress the same for the bodies of one client address
     * @param bodyTimeoutSeconds how long a client may take to send a buffered body; slower ones get 408
     */
    public record Limits(long maxRegularFileBytes, long maxPushBytes, long maxJsonBodyBytes, int maxBatchObjects, int lfsUrlTtlSeconds,
                         long inFlightBodyBytes, long inFlightBodyBytesPerAddress, int bodyTimeoutSeconds) {
        public Limits {
            if (inFlightBodyBytes < 1 || inFlightBodyBytesPerAddress < 1 || bodyTimeoutSeconds < 1) {
                throw new IllegalArgumentException("in-flight body limits and the body timeout must be positive");
            }
        }

        public Limits(long maxRegularFileBytes, long maxPushBytes, long maxJsonBodyBytes, int maxBatchObjects, int lfsUrlTtlSeconds) {
            this(maxRegularFileBytes, maxPushBytes, maxJsonBodyBytes, maxBatchObjects, lfsUrlTtlSeconds,
                    256L * 1024 * 1024, 32L * 1024 * 1024, 30);
        }

        public static Limits defaults() {
            return new Limits(10L * 1024 * 1024, 100L * 1024 * 1024 * 1024, 16L * 1024 * 1024, 1000, 3600);
        }
    }

    /**
     * The airlock: what may come in from upstreams (pull-through cache and mirrors). Every pull is audited whatever
     * this says; the defaults let everything in.
     *
     * @param allowedNamespaces globs ({@code *}, {@code ?}) over the upstream namespace ({@code meta-llama}), or over
     *     {@code namespace/name} when the glob has a slash; empty = every namespace
     * @param deniedNamespaces the same, refused even when also allowed
     * @param allowedLicenses licence ids from the card's {@code license} ({@code apache-2.0}, {@code mit}; compared
     *     ignoring case); empty = any licence, or none
     * @param pickle what to do with pickle-based files ({@code .bin .pt .pth .pkl .pickle .ckpt .joblib})
     * @param maxFileBytes the largest single file let in; 0 = no limit
     * @param maxRevisionBytes the most bytes all files of one revision may add up to; 0 = no limit
     */
    public record Airlock(List<String> allowedNamespaces, List<String> deniedNamespaces, List<String> allowedLicenses, Pickle pickle,
                          long maxFileBytes, long maxRevisionBytes) {

        /**
         * Pickle-based files: {@code ALLOW} them unread; {@code SCAN} them and refuse those that import a dangerous
         * global (the Hub's scanner's list); {@code STRICT}: refuse those importing anything outside its safe list;
         * {@code REFUSE} every pickle-based file, whatever it holds.
         */
        public enum Pickle { ALLOW, SCAN, STRICT, REFUSE }

        public Airlock {
            allowedNamespaces = List.copyOf(allowedNamespaces);
            deniedNamespaces = List.copyOf(deniedNamespaces);
            allowedLicenses = List.copyOf(allowedLicenses);
            if (pickle == null) throw new IllegalArgumentException("the pickle rule is missing");
            if (maxFileBytes < 0 || maxRevisionBytes < 0) throw new IllegalArgumentException("airlock size limits must be >= 0");
        }

        /** Everything allowed (still audited). */
        public static Airlock defaults() { return new Airlock(List.of(), List.of(), List.of(), Pickle.ALLOW, 0, 0); }
    }

    public ForgeConfig {
        if (airlock == null) airlock = Airlock.defaults();
        if (cache == null) cache = Cache.NONE;
        String u = publicUrl.toString();
        if (u.endsWith("/")) publicUrl = URI.create(u.substring(0, u.length() - 1));
    }

    public static ForgeConfig defaults(Path dataDir) {
        return new ForgeConfig("127.0.0.1", 8080, dataDir, URI.create("http://127.0.0.1:8080"), Limits.defaults(), Uploads.defaults(),
                Security.defaults(), Storage.defaults(), Airlock.defaults(), Cache.NONE);
    }

    public ForgeConfig withAirlock(Airlock airlock) {
        return new ForgeConfig(host, port, dataDir, publicUrl, limits, uploads, security, storage, airlock, cache);
    }

    /** {@code publicUrl + path}; {@code path} starts with a slash. */
    public String url(String path) { return publicUrl + path; }
}
