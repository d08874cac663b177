package dev.forge.service.xet;

import dev.forge.core.ByteRange;
import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.MappedRegions;
import dev.forge.core.Repo;
import dev.forge.core.User;
import dev.forge.meta.IndexDao;
import dev.forge.meta.RepoDao;
import dev.forge.meta.XetDao;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.LfsReferences;
import dev.forge.storage.XetHash;
import dev.forge.storage.XorbStore;
import dev.forge.xet.ChunkHeader;
import dev.forge.xet.Shard;
import dev.forge.xet.ShardReader;
import dev.forge.xet.ShardWriter;
import dev.forge.xet.Xorb;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link XetCas} over the chunk store ({@link XorbStore}): a verified xorb becomes the pack of the same name, as sent;
 * a verified shard becomes, per file, a manifest of runs of those packs under the SHA-256 computed here from the
 * stored chunks, plus the Xet file index entry; reconstructions and xorb ranges are read from the packs' footers and
 * mapped bytes. Who may reference a xorb: the user who uploaded it ({@link XetDao}), or one who may read an object
 * stored in it (a repository they can read holds it: {@link LfsReferences#held}). Thread-safe.
 */
public final class ChunkXetCas implements XetCas {
    /** How many repositories holding an object are asked whether the actor may read them, per object. */
    private static final int MAX_HOLDERS = 200;
    /** How long the HMAC key of a dedup answer stays valid for the client (its shard cache drops it afterwards). */
    private static final long DEDUP_KEY_SECONDS = 7 * 24 * 3600;

    private final XorbStore store;
    private final XetDao xet;
    private final IndexDao index;
    private final RepoDao repos;
    private final LfsReferences references;
    private final AccessPolicy policy;
    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();
    private final com.github.benmanes.caffeine.cache.Cache<LfsOid, XetHashHex> fileHashes =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(100_000).build();

    public ChunkXetCas(XorbStore store, XetDao xet, IndexDao index, RepoDao repos, LfsReferences references, AccessPolicy policy,
                       InstantSource clock) {
        this.store = store;
        this.xet = xet;
        this.index = index;
        this.repos = repos;
        this.references = references;
        this.policy = policy;
        this.clock = clock;
    }

    // ------------------------------------------------------------------------------------------------ upload

    @Override
    public boolean putXorb(Actor actor, XetHashHex hash, InputStream body, long contentLength) {
        User user = uploader(actor);
        byte[] bytes = readBounded(body, contentLength, MAX_XORB_BYTES, "xorb");
        byte[] name = XetHash.fromHex(hash.hex());
        Xorb x = Xorb.verify(bytes, bytes.length, name);
        List<XorbStore.StoredChunk> chunks = new ArrayList<>(x.chunks().size());
        for (Xorb.Chunk c : x.chunks()) {
            chunks.add(new XorbStore.StoredChunk(c.hash(), c.scheme(), c.rawLength(), bytes, c.offset(), c.storedLength()));
        }
        try {
            boolean inserted = store.putXorb(name, chunks);
            xet.recordXorbUpload(hash.hex(), user.key()); // they sent the bytes: they hold them
            return inserted;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public ShardResult putShard(Actor actor, InputStream body, long contentLength) {
        User user = uploader(actor);
        byte[] bytes = readBounded(body, contentLength, MAX_SHARD_BYTES, "shard");
        Shard shard = ShardReader.read(bytes, bytes.length);
        try {
            Map<String, XorbStore.XorbLayout> layouts = new HashMap<>();
            for (byte[] h : shard.referencedXorbs()) layouts.put(XetHash.hex(h), layout(h));
            for (Shard.XorbInfo x : shard.xorbs()) checkXorbSection(x, layouts.containsKey(XetHash.hex(x.hash())) ? layouts.get(XetHash.hex(x.hash())) : layout(x.hash()));
            for (String h : layouts.keySet()) {
                if (!mayReference(actor, user, h)) {
                    throw new ForgeException(ErrorKind.FORBIDDEN, "The shard references xorb " + h + ", which you did not upload and hold no readable file of");
                }
            }
            List<Verified> files = new ArrayList<>(shard.files().size());
            for (Shard.FileInfo f : shard.files()) files.add(verify(f, layouts));
            boolean newly = false;
            List<ShardResult.RegisteredFile> out = new ArrayList<>(files.size());
            for (Verified v : files) {
                newly |= store.oidOfXetHash(v.fileHash()).isEmpty();
                store.putXetFile(v.oid(), v.size(), v.fileHash(), v.terms());
                XetHashHex hex = new XetHashHex(XetHash.hex(v.fileHash()));
                fileHashes.put(v.oid(), hex);
                out.add(new ShardResult.RegisteredFile(hex, v.oid(), v.size()));
            }
            return new ShardResult(out, newly);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Verified(LfsOid oid, long size, byte[] fileHash, List<XorbStore.Term> terms) {}

    /** A file of a shard checked against the stored xorbs: ranges, lengths, verification entries, file hash, SHA-256. */
    private Verified verify(Shard.FileInfo f, Map<String, XorbStore.XorbLayout> layouts) throws IOException {
        String name = XetHash.hex(f.fileHash());
        List<XetHash.Node> nodes = new ArrayList<>();
        List<XorbStore.Term> terms = new ArrayList<>(f.terms().size());
        long size = 0;
        for (int t = 0; t < f.terms().size(); t++) {
            Shard.Term term = f.terms().get(t);
            XorbStore.XorbLayout x = layouts.get(XetHash.hex(term.xorbHash()));
            if (term.chunkEnd() > x.count()) {
                throw ForgeException.badRequest("File " + name + ": xorb " + XetHash.hex(term.xorbHash()) + " has " + x.count() + " chunks, not " + term.chunkEnd());
            }
            long raw = 0;
            List<byte[]> hashes = new ArrayList<>(term.chunkEnd() - term.chunkStart());
            for (int c = term.chunkStart(); c < term.chunkEnd(); c++) {
                raw += x.rawLengths()[c];
                hashes.add(x.chunkHashes().get(c));
                nodes.add(new XetHash.Node(x.chunkHashes().get(c), x.rawLengths()[c]));
            }
            if (raw != Integer.toUnsignedLong(term.unpackedBytes())) {
                throw ForgeException.badRequest("File " + name + ": term " + t + " says " + Integer.toUnsignedLong(term.unpackedBytes()) + " bytes, its chunks hold " + raw);
            }
            if (f.verification().isPresent() && !Arrays.equals(f.verification().get().get(t), XetHash.verification(hashes))) {
                throw ForgeException.badRequest("File " + name + ": the verification entry of term " + t + " does not match the xorb's chunks");
            }
            terms.add(new XorbStore.Term(term.xorbHash(), term.chunkStart(), term.chunkEnd(), raw));
            size += raw;
        }
        if (!Arrays.equals(XetHash.fileHash(nodes), f.fileHash())) {
            throw ForgeException.badRequest("File " + name + ": its chunks hash to " + XetHash.hex(XetHash.fileHash(nodes)) + ", not to its name");
        }
        MessageDigest sha = sha256();
        store.readTerms(terms, sha::update);
        String actual = HexFormat.of().formatHex(sha.digest());
        if (f.sha256Hex().isPresent() && !f.sha256Hex().get().equals(actual)) {
            throw ForgeException.badRequest("File " + name + " claims SHA-256 " + f.sha256Hex().get() + " but its bytes hash to " + actual);
        }
        return new Verified(new LfsOid(actual), size, f.fileHash(), List.copyOf(terms));
    }

    /** A xorb the shard describes must be stored, with the chunks the shard says. */
    private static void checkXorbSection(Shard.XorbInfo x, XorbStore.XorbLayout stored) {
        String name = XetHash.hex(x.hash());
        if (x.chunks().size() != stored.count()) throw ForgeException.badRequest("Xorb " + name + " has " + stored.count() + " chunks, the shard says " + x.chunks().size());
        for (int i = 0; i < stored.count(); i++) {
            Shard.ChunkEntry c = x.chunks().get(i);
            if (!Arrays.equals(c.hash(), stored.chunkHashes().get(i)) || c.unpackedBytes() != stored.rawLengths()[i]) {
                throw ForgeException.badRequest("Xorb " + name + ": chunk " + i + " is not what the shard says");
            }
        }
    }

    private XorbStore.XorbLayout layout(byte[] hash) throws IOException {
        return store.xorb(hash).orElseThrow(() -> ForgeException.badRequest("Xorb " + XetHash.hex(hash) + " is not stored; upload it before the shard"));
    }

    /** The uploader rule (security notes): they sent the xorb, or may read an object stored in it. */
    private boolean mayReference(Actor actor, User user, String xorbHex) throws IOException {
        if (xet.uploadedXorb(xorbHex, user.key())) return true;
        for (LfsOid oid : store.objectsUsing(XetHash.fromHex(xorbHex))) {
            for (String key : index.reposReferencingLfs(oid.hex(), MAX_HOLDERS)) {
                Optional<Repo> repo = repos.findByKey(key);
                if (repo.isPresent() && policy.canReadFiles(actor, repo.get()) && references.held(repo.get(), oid.hex())) return true;
            }
        }
        return false;
    }

    private static User uploader(Actor actor) {
        return actor.userOpt().orElseThrow(() -> ForgeException.unauthorized("Uploading through Xet needs a user"));
    }

    // ------------------------------------------------------------------------------------------------ dedup

    @Override
    public Optional<ByteBuffer> dedupShard(Actor actor, XetHashHex chunkHash) {
        try {
            Optional<User> user = actor.userOpt();
            if (user.isEmpty()) return Optional.empty();
            Optional<byte[]> xorb = store.xorbOfChunk(XetHash.fromHex(chunkHash.hex()));
            if (xorb.isEmpty() || !mayReference(actor, user.get(), XetHash.hex(xorb.get()))) return Optional.empty();
            Optional<XorbStore.XorbLayout> layout = store.xorb(xorb.get());
            if (layout.isEmpty()) return Optional.empty();
            byte[] key = new byte[XetHash.LENGTH];
            random.nextBytes(key);
            Shard.XorbInfo info = ShardWriter.protect(xorbInfo(layout.get()), key);
            long now = clock.instant().getEpochSecond();
            return Optional.of(ByteBuffer.wrap(ShardWriter.write(new Shard(List.of(), List.of(info), key, now, now + DEDUP_KEY_SECONDS), true)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Shard.XorbInfo xorbInfo(XorbStore.XorbLayout x) {
        List<Shard.ChunkEntry> chunks = new ArrayList<>(x.count());
        int at = 0;
        for (int i = 0; i < x.count(); i++) {
            chunks.add(new Shard.ChunkEntry(x.chunkHashes().get(i), at, x.rawLengths()[i], 0));
            at += x.rawLengths()[i];
        }
        return new Shard.XorbInfo(x.hash(), 0, chunks, at, (int) x.serializedLength());
    }

    // ------------------------------------------------------------------------------------------------ lookups

    @Override
    public Optional<XetHashHex> fileHash(LfsOid oid) {
        XetHashHex cached = fileHashes.getIfPresent(oid);
        if (cached != null) return Optional.of(cached);
        try {
            Optional<XetHashHex> h = store.xetFile(oid).map(f -> new XetHashHex(XetHash.hex(f.fileHash())));
            h.ifPresent(v -> fileHashes.put(oid, v));
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<LfsOid> oidOf(XetHashHex fileHash) {
        try {
            return store.oidOfXetHash(XetHash.fromHex(fileHash.hex()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ download

    @Override
    public Optional<Reconstruction> reconstruction(XetHashHex fileHash, Optional<ByteRange> range) {
        try {
            Optional<LfsOid> oid = store.oidOfXetHash(XetHash.fromHex(fileHash.hex()));
            if (oid.isEmpty()) return Optional.empty();
            Optional<XorbStore.XetFile> file = store.xetFile(oid.get());
            if (file.isEmpty()) return Optional.empty();
            return Optional.of(reconstruct(file.get(), range));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Reconstruction reconstruct(XorbStore.XetFile file, Optional<ByteRange> range) throws IOException {
        long size = file.size();
        long first = 0;
        long last = size - 1;
        if (range.isPresent()) {
            if (range.get().first() >= size) throw unsatisfiable(size);
            first = range.get().first();
            last = Math.min(range.get().last(), size - 1);
        }
        List<Reconstruction.Term> terms = new ArrayList<>();
        Map<String, List<long[]>> spans = new LinkedHashMap<>(); // xorb → {chunkStart, chunkEnd}
        Map<String, XorbStore.XorbLayout> layouts = new HashMap<>();
        long offsetIntoFirst = 0;
        long at = 0; // file offset of the current term's first byte
        for (XorbStore.Term t : file.terms()) {
            long termEnd = at + t.rawLength();
            if (size > 0 && termEnd > first && at <= last) {
                String hex = XetHash.hex(t.xorb());
                XorbStore.XorbLayout x = layouts.get(hex);
                if (x == null) {
                    x = store.xorb(t.xorb()).orElseThrow(() -> new IOException("xorb " + hex + " of a stored file is missing"));
                    layouts.put(hex, x);
                }
                int c0 = t.first();
                long pos = at;
                while (pos + x.rawLengths()[c0] <= first) pos += x.rawLengths()[c0++];
                if (terms.isEmpty()) offsetIntoFirst = first - pos;
                int c1 = c0;
                long bytes = 0;
                while (c1 < t.end() && pos <= last) {
                    pos += x.rawLengths()[c1];
                    bytes += x.rawLengths()[c1];
                    c1++;
                }
                XetHashHex name = new XetHashHex(hex);
                terms.add(new Reconstruction.Term(name, bytes, c0, c1));
                spans.computeIfAbsent(hex, k -> new ArrayList<>()).add(new long[] {c0, c1});
            }
            at = termEnd;
            if (at > last) break;
        }
        Map<XetHashHex, List<Reconstruction.FetchRange>> fetch = new LinkedHashMap<>();
        for (Map.Entry<String, List<long[]>> e : spans.entrySet()) {
            XorbStore.XorbLayout x = layouts.get(e.getKey());
            List<long[]> s = e.getValue();
            s.sort((a, b) -> Long.compare(a[0], b[0]));
            List<Reconstruction.FetchRange> ranges = new ArrayList<>();
            long start = s.getFirst()[0];
            long end = s.getFirst()[1];
            for (long[] r : s) {
                if (r[0] <= end) {
                    end = Math.max(end, r[1]);
                } else {
                    ranges.add(fetchRange(x, (int) start, (int) end));
                    start = r[0];
                    end = r[1];
                }
            }
            ranges.add(fetchRange(x, (int) start, (int) end));
            fetch.put(new XetHashHex(e.getKey()), ranges);
        }
        return new Reconstruction(offsetIntoFirst, terms, fetch, size);
    }

    private static Reconstruction.FetchRange fetchRange(XorbStore.XorbLayout x, int start, int end) {
        return new Reconstruction.FetchRange(start, end, x.serializedStart(start), x.serializedStart(end) - 1);
    }

    @Override
    public Optional<XorbSlice> xorbRange(XetHashHex xorbHash, long start, long endExclusive) {
        byte[] hash = XetHash.fromHex(xorbHash.hex());
        Optional<XorbStore.XorbLayout> layout;
        try {
            layout = store.xorb(hash);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (layout.isEmpty()) return Optional.empty();
        XorbStore.XorbLayout x = layout.get();
        long length = x.serializedLength();
        if (start < 0 || start >= length || endExclusive <= start) throw unsatisfiable(length);
        long end = Math.min(endExclusive, length);
        List<MappedRegions.Region> regions = new ArrayList<>();
        try {
            int c = chunkAt(x, start);
            long pos = start;
            while (pos < end) {
                long headerAt = x.serializedStart(c);
                long dataAt = headerAt + ChunkHeader.LENGTH;
                long chunkEnd = dataAt + x.storedLength(c);
                if (pos < dataAt) {
                    byte[] h = new ChunkHeader(x.storedLength(c), x.schemes()[c], x.rawLengths()[c]).encode();
                    int from = (int) (pos - headerAt);
                    int n = (int) (Math.min(dataAt, end) - pos);
                    regions.add(MappedRegions.Region.of(ByteBuffer.wrap(h, from, n).slice()));
                    pos += n;
                }
                while (pos < Math.min(chunkEnd, end)) {
                    long into = pos - dataAt;
                    int want = (int) (Math.min(chunkEnd, end) - pos);
                    MappedRegions.Region r = store.packRegion(hash, x.storedStart(c) + into, want);
                    regions.add(r);
                    pos += r.bytes().remaining();
                }
                c++;
            }
            return Optional.of(new XorbSlice(start, end, length, regions));
        } catch (IOException | RuntimeException e) {
            for (MappedRegions.Region r : regions) r.close();
            if (e instanceof IOException io) throw new UncheckedIOException(io);
            throw (RuntimeException) e;
        }
    }

    /** The chunk whose header or bytes hold serialization byte {@code pos}. */
    private static int chunkAt(XorbStore.XorbLayout x, long pos) {
        int lo = 0;
        int hi = x.count() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (x.serializedStart(mid) <= pos) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static ForgeException unsatisfiable(long size) {
        return new ForgeException(ErrorKind.RANGE_NOT_SATISFIABLE, "Requested range not satisfiable", new ErrorDetail.UnsatisfiableRange(size));
    }

    /** The whole body, refused with 413 beyond {@code max} (declared or actually sent). */
    private static byte[] readBounded(InputStream body, long contentLength, long max, String what) {
        if (contentLength > max) throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "A " + what + " is at most " + max + " bytes");
        try {
            byte[] b;
            if (contentLength >= 0) {
                // the announced length, read into one array (no growing copies: xorbs are up to 64 MiB)
                b = new byte[(int) contentLength];
                int n = body.readNBytes(b, 0, b.length);
                if (n < b.length) throw ForgeException.badRequest("The " + what + " has " + n + " bytes, not the " + contentLength + " announced");
                if (body.read() >= 0) throw ForgeException.badRequest("The " + what + " has more bytes than the " + contentLength + " announced");
            } else {
                b = body.readNBytes((int) max + 1);
                if (b.length > max) throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "A " + what + " is at most " + max + " bytes");
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
