package dev.forge.service.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.cards.CardData;
import dev.forge.core.CommitOperation;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.git.GitRepositories;
import dev.forge.meta.ConversionDao;
import dev.forge.meta.IndexDao;
import dev.forge.meta.RepoDao;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.CommitService;
import dev.forge.service.lfs.LfsService;
import dev.forge.service.repo.RepoService;
import dev.forge.storage.BlobStore;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Keeps a parquet copy of every dataset on {@code refs/convert/parquet}, as the Hub does: {@code <config>/<split>/0000.parquet},
 * {@code 0001.parquet} … for the configs and splits {@code load_dataset} would find ({@link DatasetLayout}), made by
 * DuckDB ({@link DuckDbParquet}) from the CSV, TSV, JSON Lines/JSON and parquet files of the default branch's head.
 * The ref starts at the first commit of the default branch (which holds only {@code .gitattributes}) and each
 * conversion replaces its files in one commit by {@code parquet-converter}.
 *
 * <p>Conversions run in the background on one thread, after every move of a dataset's refs (API commits, pushes,
 * branch changes) and at start for datasets whose head moved while the server was down; a dataset whose data files
 * did not change is not converted again. A file that cannot be read is left out, with DuckDB's reason recorded for
 * it ({@link #status}); the others are converted. Datasets over {@link #MAX_DATASET_BYTES} of data files are not
 * converted (recorded as failed). Source files are copied to {@code tmp/convert/} for DuckDB and removed after.
 * Thread-safe; conversions are serialised.
 */
public final class ParquetConversionService implements AutoCloseable {
    public static final String REF = "refs/convert/parquet";
    public static final long MAX_DATASET_BYTES = 5L * 1024 * 1024 * 1024;
    static final User CONVERTER = new User("000000000000000000000000", "parquet-converter", "Forge parquet converter",
            "parquet-converter@forge.local", false, Instant.EPOCH);
    private static final Pattern SHARD = Pattern.compile("([^/]+)/(partial-)?([^/]+)/(\\d{4})\\.parquet");
    private static final int MAX_CARD_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ParquetConversionService.class);

    private final RepoService repos;
    private final RepoDao repoDao;
    private final IndexDao index;
    private final GitRepositories git;
    private final BlobStore blobs;
    private final LfsService lfs;
    private final CommitService commits;
    private final ConversionDao conversions;
    private final Path work;
    private final InstantSource clock;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "forge-parquet");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });
    private volatile boolean running;

    public ParquetConversionService(RepoService repos, RepoDao repoDao, IndexDao index, GitRepositories git, BlobStore blobs,
                                    LfsService lfs, CommitService commits, ConversionDao conversions, Path tmp, InstantSource clock) {
        this.repos = repos;
        this.repoDao = repoDao;
        this.index = index;
        this.git = git;
        this.blobs = blobs;
        this.lfs = lfs;
        this.commits = commits;
        this.conversions = conversions;
        this.work = tmp.resolve("convert");
        this.clock = clock;
        repos.onChange(key -> {
            if (repos.findByKey(key).isEmpty()) conversions.delete(key);
        });
    }

    /** What a conversion recorded: its state, the commits, and the files that could not be converted. */
    public record Status(String state, String sourceCommit, Optional<String> parquetCommit, List<FileError> errors, Instant convertedAt) {}

    public record FileError(String path, String error) {}

    /** The parquet files of a dataset: config → split → files in shard order, at the conversion's commit. */
    public record Listing(Repo repo, String commit, Map<String, Map<String, List<FileEntry>>> files) {}

    /**
     * Starts converting in the background: from now on after every ref move, and at once for every dataset whose
     * default branch moved since its last conversion. Only the serving process calls this.
     */
    public void start() throws IOException {
        deleteTree(work);
        running = true;
        worker.execute(() -> {
            for (Repo r : repoDao.all()) if (r.type() == RepoType.DATASET) schedule(r.key());
        });
    }

    /** A ref of the repository moved: convert it again (later, on the background thread) if it is a dataset. */
    public void refsChanged(String repoKey) {
        if (running) schedule(repoKey);
    }

    private void schedule(String repoKey) {
        if (!pending.add(repoKey)) return;
        worker.execute(() -> {
            pending.remove(repoKey);
            try {
                repos.findByKey(repoKey).filter(r -> r.type() == RepoType.DATASET).ifPresent(this::convert);
            } catch (RuntimeException e) {
                if (running) LOG.error("parquet conversion of {} failed", repoKey, e);
                else LOG.debug("parquet conversion of {} stopped by close", repoKey, e);
            }
        });
    }

    /** Converts the dataset's default branch now (on the caller's thread) unless its conversion is current. */
    public synchronized Status convert(Repo repo) {
        String head = repos.resolve(repo, GitRepositories.DEFAULT_BRANCH);
        Optional<ConversionDao.Row> last = conversions.find(repo.key());
        if (last.isPresent() && last.get().sourceCommit().equals(head)) return status(last.get());
        List<FileEntry> files = index.all(repo.key(), head);
        List<DatasetLayout.Config> layout;
        try {
            layout = DatasetLayout.of(files, card(repo, files));
        } catch (DatasetLayout.InvalidConfigsException | CardData.InvalidCardException e) {
            return record(repo, head, "0".repeat(64), Optional.empty(), List.of(new FileError("README.md", e.getMessage())));
        }
        String inputs = inputs(layout);
        if (last.isPresent() && last.get().inputs().equals(inputs)) {
            ConversionDao.Row same = new ConversionDao.Row(repo.key(), head, inputs, last.get().parquetCommit(), last.get().state(),
                    last.get().errors(), last.get().convertedAt());
            conversions.put(same);
            return status(same);
        }
        long total = layout.stream().flatMap(c -> c.splits().stream()).flatMap(s -> s.files().stream()).mapToLong(FileEntry::size).sum();
        if (total > MAX_DATASET_BYTES) {
            return record(repo, head, inputs, Optional.empty(), List.of(new FileError("", "The dataset's data files hold " + total
                    + " bytes, more than the " + MAX_DATASET_BYTES + " this forge converts to parquet")));
        }
        Path dir = work.resolve(repo.key() + "-" + System.nanoTime());
        try {
            List<FileError> errors = new ArrayList<>();
            Map<String, CommitOperation> adds = new LinkedHashMap<>();
            for (DatasetLayout.Config config : layout) {
                for (DatasetLayout.Split split : config.splits()) convertSplit(repo, config, split, dir, adds, errors);
            }
            Optional<String> parquetCommit = commit(repo, adds);
            return record(repo, head, inputs, parquetCommit, errors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(dir);
        }
    }

    private void convertSplit(Repo repo, DatasetLayout.Config config, DatasetLayout.Split split, Path dir,
                              Map<String, CommitOperation> adds, List<FileError> errors) throws IOException {
        Path splitDir = Files.createDirectories(dir.resolve(Integer.toString(adds.size() + errors.size()) + "-" + System.nanoTime()));
        List<DuckDbParquet.Source> sources = new ArrayList<>();
        int n = 0;
        for (FileEntry f : split.files()) {
            Path local = splitDir.resolve("source-" + n++);
            try (InputStream in = open(repo, f)) {
                Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                errors.add(new FileError(f.path(), "Could not read the file: " + e.getMessage()));
                continue;
            }
            sources.add(new DuckDbParquet.Source(f.path(), local));
        }
        DuckDbParquet.Result result = DuckDbParquet.convert(split.format(), sources, splitDir.resolve("out"), dir.resolve("spill"));
        result.errors().forEach(e -> errors.add(new FileError(e.path(), e.error())));
        int shard = 0;
        for (Path p : result.shards()) {
            String path = String.format("%s/%s/%04d.parquet", config.name(), split.name(), shard++);
            LfsOid oid;
            try (InputStream in = Files.newInputStream(p)) {
                oid = lfs.store(repo, in);
            }
            adds.put(path, new CommitOperation.AddLfsFile(path, oid, Files.size(p)));
        }
    }

    private InputStream open(Repo repo, FileEntry f) throws IOException {
        if (f.isLfs()) {
            SeekableByteChannel ch = blobs.open(new LfsOid(f.lfs().oid()));
            return Channels.newInputStream(ch);
        }
        return git.openBlob(repo.key(), f.oid());
    }

    /** Replaces the files of the parquet ref with {@code adds} in one commit; the ref's commit afterwards, if any. */
    private Optional<String> commit(Repo repo, Map<String, CommitOperation> adds) throws IOException {
        Optional<ObjectId> current = git.resolve(repo.key(), REF);
        if (current.isEmpty()) {
            if (adds.isEmpty()) return Optional.empty();
            ObjectId main = git.resolve(repo.key(), GitRepositories.DEFAULT_REF).orElseThrow();
            git.moveRef(repo.key(), REF, null, git.rootCommit(repo.key(), main)); // a lost race leaves the other's ref: fine
        }
        String base = repos.resolve(repo, REF);
        List<CommitOperation> ops = new ArrayList<>();
        for (FileEntry e : index.all(repo.key(), base)) {
            if (!e.directory() && !e.path().equals(".gitattributes") && !adds.containsKey(e.path())) {
                ops.add(new CommitOperation.DeleteFile(e.path()));
            }
        }
        ops.addAll(adds.values());
        if (ops.isEmpty()) return Optional.of(base);
        return Optional.of(commits.commitDerived(CONVERTER, repo, new CommitService.Request(REF, Optional.empty(), ops,
                "Update parquet files", "Converted by Forge from " + repos.resolve(repo, GitRepositories.DEFAULT_BRANCH), false)).commit());
    }

    private Status record(Repo repo, String head, String inputs, Optional<String> parquetCommit, List<FileError> errors) {
        boolean converted = parquetCommit.isPresent() && !index.all(repo.key(), parquetCommit.get()).stream()
                .allMatch(e -> e.directory() || e.path().equals(".gitattributes"));
        String state = errors.isEmpty() ? (converted ? "done" : "empty") : converted ? "partial" : "failed";
        try {
            ConversionDao.Row row = new ConversionDao.Row(repo.key(), head, inputs, parquetCommit, state,
                    JSON.writeValueAsString(errors), clock.instant());
            conversions.put(row);
            return status(row);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Status status(ConversionDao.Row row) {
        try {
            return new Status(row.state(), row.sourceCommit(), row.parquetCommit(),
                    JSON.readValue(row.errors(), new TypeReference<List<FileError>>() {}), row.convertedAt());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The recorded state of a dataset's conversion (readable datasets only). */
    public Optional<Status> status(Actor actor, RepoId id) {
        Repo repo = repos.readable(actor, RepoType.DATASET, id);
        return conversions.find(repo.key()).map(ParquetConversionService::status);
    }

    /** The parquet files of a dataset, for the Hub's {@code /api/datasets/{id}/parquet} endpoints. */
    public Listing files(Actor actor, RepoId id) {
        Repo repo = repos.filesReadable(actor, RepoType.DATASET, id);
        String commit;
        try {
            commit = repos.resolve(repo, REF);
        } catch (ForgeException e) {
            throw ForgeException.notFound("The dataset " + id + " has no parquet conversion yet");
        }
        Map<String, Map<String, List<FileEntry>>> out = new LinkedHashMap<>();
        List<FileEntry> entries = new ArrayList<>(index.all(repo.key(), commit));
        entries.sort(Comparator.comparing(FileEntry::path));
        for (FileEntry e : entries) {
            Matcher m = SHARD.matcher(e.path());
            if (e.directory() || !m.matches()) continue;
            out.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>()).computeIfAbsent(m.group(3), k -> new ArrayList<>()).add(e);
        }
        return new Listing(repo, commit, out);
    }

    /** The card's YAML, or nothing when there is no card or it has none. */
    private Map<String, Object> card(Repo repo, List<FileEntry> files) {
        Optional<FileEntry> readme = files.stream().filter(f -> f.path().equals("README.md") && !f.isLfs()).findFirst();
        if (readme.isEmpty() || readme.get().size() > MAX_CARD_BYTES) return Map.of();
        try {
            String text = new String(git.readBlob(repo.key(), readme.get().oid(), MAX_CARD_BYTES), StandardCharsets.UTF_8);
            return CardData.parse(text).orElse(Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A digest of the layout and the content ids of its files: equal digests convert to equal files. */
    private static String inputs(List<DatasetLayout.Config> layout) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (DatasetLayout.Config c : layout) {
                for (DatasetLayout.Split s : c.splits()) {
                    for (FileEntry f : s.files()) {
                        d.update((c.name() + "\0" + s.name() + "\0" + s.format() + "\0" + f.path() + "\0" + f.etag() + "\n")
                                .getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("could not remove {}", dir, e);
        }
    }

    /** Stops converting: a conversion under way is interrupted and given ten seconds to stop, before the stores close. */
    @Override
    public void close() {
        running = false;
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) LOG.warn("a parquet conversion is still running at close");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
