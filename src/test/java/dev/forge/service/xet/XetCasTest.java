package dev.forge.service.xet;

import dev.forge.app.Forge;
import dev.forge.core.ByteRange;
import dev.forge.core.CommitOperation;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.MappedRegions;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.meta.RepoDao;
import dev.forge.meta.XetDao;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.LfsReferences;
import dev.forge.storage.Collectable;
import dev.forge.storage.XetHash;
import dev.forge.storage.XorbStore;
import dev.forge.testing.TestForge;
import dev.forge.xet.Shard;
import dev.forge.xet.ShardReader;
import dev.forge.xet.ShardWriter;
import dev.forge.xet.XetFormatException;
import dev.forge.xet.XetVectors;
import dev.forge.xet.Xorb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ChunkXetCas} in process, over a real Forge's chunk store and database: the xorb and shard hf_xet 1.6.0
 * uploaded (XetVectors), files synthesized here, and hostile inputs, each refused with a 4xx and nothing stored.
 */
class XetCasTest {
    @TempDir
    static Path dir;
    static TestForge tf;
    static ChunkXetCas cas;
    static XorbStore store;
    static Actor admin;
    static User bob;
    static Actor bobActor;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("forge"));
        Forge.Stores s = tf.forge.stores();
        store = s.blobs().capability(XorbStore.class).orElseThrow();
        RepoDao repoDao = new RepoDao(s.database().jdbi());
        LfsReferences refs = new LfsReferences(s.index(), repoDao, s.git(), tf.forge.policy);
        cas = new ChunkXetCas(store, new XetDao(s.database().jdbi()), s.index(), repoDao, refs, tf.forge.policy,
                java.time.InstantSource.fixed(java.time.Instant.parse("2026-12-02T10:00:00Z")));
        admin = tf.adminActor();
        bob = tf.forge.auth.createUser(Actor.OPERATOR, "bob", "Bob", "bob@example.com", false, "correct horse battery");
        bobActor = Actor.internal(bob);
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static XetHashHex hex(byte[] raw) { return new XetHashHex(XetHash.hex(raw)); }

    static boolean putXorb(Actor a, byte[] body) {
        Xorb x = Xorb.parse(body, body.length);
        return cas.putXorb(a, hex(x.hash()), new ByteArrayInputStream(body), body.length);
    }

    static ShardResult putShard(Actor a, byte[] shard) {
        return cas.putShard(a, new ByteArrayInputStream(shard), shard.length);
    }

    static byte[] read(LfsOid oid) throws IOException {
        try (SeekableByteChannel ch = tf.forge.stores().blobs().open(oid); InputStream in = Channels.newInputStream(ch)) {
            return in.readAllBytes();
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static int status(Throwable t) { return ((ForgeException) t).kind().status(); }

    /** What a client does with a reconstruction: fetch each term's xorb range, decode its chunks, skip and cut. */
    static byte[] download(Reconstruction r, long wanted) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Reconstruction.Term t : r.terms()) {
            Reconstruction.FetchRange f = r.fetchInfo().get(t.xorbHash()).stream()
                    .filter(x -> x.chunkStart() <= t.chunkStart() && x.chunkEnd() >= t.chunkEnd()).findFirst().orElseThrow();
            byte[] bytes;
            try (XorbSlice slice = cas.xorbRange(t.xorbHash(), f.byteStart(), f.byteEndInclusive() + 1).orElseThrow()) {
                assertThat(slice.length()).isEqualTo(f.length());
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (MappedRegions.Region reg : slice.regions()) {
                    ByteBuffer bb = reg.bytes().duplicate();
                    byte[] a = new byte[bb.remaining()];
                    bb.get(a);
                    b.writeBytes(a);
                }
                bytes = b.toByteArray();
            }
            Xorb part = Xorb.parse(bytes, bytes.length);
            long n = 0;
            for (int c = 0; c < t.chunkEnd() - t.chunkStart(); c++) {
                byte[] raw = part.raw(t.chunkStart() - f.chunkStart() + c);
                out.writeBytes(raw);
                n += raw.length;
            }
            assertThat(n).isEqualTo(t.unpackedLength());
        }
        byte[] all = out.toByteArray();
        return Arrays.copyOfRange(all, (int) r.offsetIntoFirstRange(), (int) (r.offsetIntoFirstRange() + wanted));
    }

    // ------------------------------------------------------------------------------------------------ the real client's upload

    @Test
    void theRealClientsXorbAndShardRegisterItsFilesByteForByte() throws Exception {
        byte[] xorb = XetVectors.xorb();
        assertThat(cas.putXorb(admin, new XetHashHex(XetVectors.XORB), new ByteArrayInputStream(xorb), xorb.length)).isTrue();
        assertThat(cas.putXorb(admin, new XetHashHex(XetVectors.XORB), new ByteArrayInputStream(xorb), xorb.length)).as("idempotent").isFalse();

        // the serialization served back is exactly what the client sent (chunks kept as sent, headers synthesized)
        try (XorbSlice all = cas.xorbRange(new XetHashHex(XetVectors.XORB), 0, Long.MAX_VALUE).orElseThrow()) {
            assertThat(all.xorbLength()).isEqualTo(xorb.length);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (MappedRegions.Region r : all.regions()) {
                ByteBuffer bb = r.bytes().duplicate();
                byte[] a = new byte[bb.remaining()];
                bb.get(a);
                b.writeBytes(a);
            }
            assertThat(b.toByteArray()).isEqualTo(xorb);
        }

        ShardResult r = putShard(admin, XetVectors.shard());
        assertThat(r.files()).hasSize(3);
        for (ShardResult.RegisteredFile f : r.files()) {
            int i = Arrays.asList(XetVectors.FILE_HASHES).indexOf(f.fileHash().hex());
            assertThat(i).isNotNegative();
            assertThat(f.oid().hex()).isEqualTo(XetVectors.SHA256[i]);
            assertThat(f.size()).isEqualTo(XetVectors.SIZES[i]);
            byte[] expected = XetVectors.resource(XetVectors.FILES[i]);
            assertThat(read(f.oid())).as("/resolve reads the same manifest").isEqualTo(expected);
            assertThat(cas.fileHash(f.oid())).contains(f.fileHash());
            assertThat(cas.oidOf(f.fileHash())).contains(f.oid());
            Reconstruction whole = cas.reconstruction(f.fileHash(), Optional.empty()).orElseThrow();
            assertThat(whole.fileSize()).isEqualTo(expected.length);
            assertThat(download(whole, expected.length)).isEqualTo(expected);
        }
        assertThat(putShard(admin, XetVectors.shard()).newlyStored()).as("idempotent").isFalse();

        // what hf_xet sent after deduplicating against our answer (no xorb, only this shard): accepted, same file
        ShardResult again = putShard(admin, XetVectors.resource("upload-after-dedup.shard"));
        assertThat(again.files()).singleElement().satisfies(f -> {
            assertThat(f.fileHash().hex()).isEqualTo(XetVectors.FILE_HASHES[0]);
            assertThat(f.oid().hex()).isEqualTo(XetVectors.SHA256[0]);
        });
    }

    @Test
    void rangesOfAFileReconstructExactly() throws Exception {
        byte[] data = new byte[700_000];
        new Random(3).nextBytes(data);
        for (int i = 300_000; i < 500_000; i++) data[i] = (byte) (i % 13); // compressible middle
        LfsOid oid = tf.forge.lfs.store(tf.createRepo(RepoType.MODEL, "admin/ranges"), new ByteArrayInputStream(data));
        XetHashHex file = cas.fileHash(oid).orElseThrow();
        assertThat(cas.oidOf(file)).contains(oid);
        Random r = new Random(5);
        for (int k = 0; k < 25; k++) {
            long first = r.nextInt(data.length);
            long last = Math.min(data.length - 1, first + r.nextInt(200_000));
            Reconstruction rec = cas.reconstruction(file, Optional.of(new ByteRange(first, last, Long.MAX_VALUE))).orElseThrow();
            assertThat(download(rec, last - first + 1)).isEqualTo(Arrays.copyOfRange(data, (int) first, (int) last + 1));
        }
        // a last byte past the end is cut to the end; a first byte past the end is 416
        Reconstruction tail = cas.reconstruction(file, Optional.of(new ByteRange(data.length - 10, data.length + 1000L, Long.MAX_VALUE))).orElseThrow();
        assertThat(download(tail, 10)).isEqualTo(Arrays.copyOfRange(data, data.length - 10, data.length));
        assertThatThrownBy(() -> cas.reconstruction(file, Optional.of(new ByteRange(data.length, data.length + 5L, Long.MAX_VALUE))))
                .isInstanceOf(ForgeException.class).matches(e -> ((ForgeException) e).kind() == ErrorKind.RANGE_NOT_SATISFIABLE);
        assertThat(cas.reconstruction(new XetHashHex("ab".repeat(32)), Optional.empty())).isEmpty();
    }

    @Test
    void aXorbRangePastItsEndIs416AndAnUnknownXorbIsEmpty() {
        byte[] xorb = Xorb.serialize(List.of(new byte[] {1, 2, 3}, new byte[] {4, 5}), 0);
        putXorb(admin, xorb);
        XetHashHex name = hex(Xorb.parse(xorb, xorb.length).hash());
        assertThatThrownBy(() -> cas.xorbRange(name, xorb.length, xorb.length + 10))
                .matches(e -> ((ForgeException) e).kind() == ErrorKind.RANGE_NOT_SATISFIABLE);
        try (XorbSlice s = cas.xorbRange(name, 3, 12).orElseThrow()) {
            assertThat(s.length()).isEqualTo(9);
        }
        assertThat(cas.xorbRange(new XetHashHex("cd".repeat(32)), 0, 10)).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ shards built here

    record Built(byte[] xorb, byte[] shard, byte[] data, Shard model) {}

    /** A file of {@code chunks} random chunks, its xorb, and a shard as a client writes it (verification, sha256). */
    static Built build(int seed, int chunks) throws Exception {
        Random r = new Random(seed);
        List<byte[]> raw = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < chunks; i++) {
            byte[] c = new byte[8000 + r.nextInt(20_000)];
            r.nextBytes(c);
            raw.add(c);
            data.writeBytes(c);
        }
        byte[] xorb = Xorb.serialize(raw, 1);
        Xorb x = Xorb.parse(xorb, xorb.length);
        List<XetHash.Node> nodes = new ArrayList<>();
        List<byte[]> hashes = new ArrayList<>();
        List<Shard.ChunkEntry> entries = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < raw.size(); i++) {
            nodes.add(new XetHash.Node(x.chunks().get(i).hash(), raw.get(i).length));
            hashes.add(x.chunks().get(i).hash());
            entries.add(new Shard.ChunkEntry(x.chunks().get(i).hash(), at, raw.get(i).length, 0));
            at += raw.get(i).length;
        }
        byte[] all = data.toByteArray();
        Shard.FileInfo file = new Shard.FileInfo(XetHash.fileHash(nodes), List.of(new Shard.Term(x.hash(), 0, all.length, 0, raw.size())),
                Optional.of(List.of(XetHash.verification(hashes))), Optional.of(Shard.FileInfo.sha256Field(sha256(all))));
        Shard model = Shard.of(List.of(file), List.of(new Shard.XorbInfo(x.hash(), 0, entries, at, xorb.length)));
        return new Built(xorb, ShardWriter.write(model, false), all, model);
    }

    static Shard.FileInfo withSha(Shard.FileInfo f, String sha) {
        return new Shard.FileInfo(f.fileHash(), f.terms(), f.verification(), Optional.of(Shard.FileInfo.sha256Field(sha)));
    }

    @Test
    void aFileOfTermsFromTwoXorbsReconstructsWithMergedFetchRanges() throws Exception {
        Built a = build(21, 6);
        Built b = build(22, 5);
        putXorb(admin, a.xorb());
        putXorb(admin, b.xorb());
        Xorb xa = Xorb.parse(a.xorb(), a.xorb().length);
        Xorb xb = Xorb.parse(b.xorb(), b.xorb().length);
        int[][] plan = {{0, 0, 3}, {1, 1, 4}, {0, 2, 5}, {1, 4, 5}}; // {xorb, first, end}: A's two terms overlap
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<Shard.Term> terms = new ArrayList<>();
        List<byte[]> verification = new ArrayList<>();
        List<XetHash.Node> nodes = new ArrayList<>();
        for (int[] t : plan) {
            Xorb x = t[0] == 0 ? xa : xb;
            int bytes = 0;
            List<byte[]> hashes = new ArrayList<>();
            for (int c = t[1]; c < t[2]; c++) {
                byte[] raw = x.raw(c);
                data.writeBytes(raw);
                bytes += raw.length;
                hashes.add(x.chunks().get(c).hash());
                nodes.add(new XetHash.Node(x.chunks().get(c).hash(), raw.length));
            }
            terms.add(new Shard.Term(x.hash(), 0, bytes, t[1], t[2]));
            verification.add(XetHash.verification(hashes));
        }
        byte[] all = data.toByteArray();
        Shard.FileInfo f = new Shard.FileInfo(XetHash.fileHash(nodes), terms, Optional.of(verification),
                Optional.of(Shard.FileInfo.sha256Field(sha256(all))));
        ShardResult r = putShard(admin, ShardWriter.write(Shard.of(List.of(f), List.of()), false));
        assertThat(read(r.files().getFirst().oid())).isEqualTo(all);
        Reconstruction whole = cas.reconstruction(r.files().getFirst().fileHash(), Optional.empty()).orElseThrow();
        assertThat(whole.terms()).hasSize(4);
        assertThat(whole.fetchInfo().get(hex(xa.hash()))).as("A's overlapping chunk ranges are one fetch")
                .containsExactly(new Reconstruction.FetchRange(0, 5, 0, xa.chunks().get(4).offset() + xa.chunks().get(4).storedLength() - 1L));
        assertThat(whole.fetchInfo().get(hex(xb.hash()))).hasSize(1);
        assertThat(download(whole, all.length)).isEqualTo(all);
        Random rnd = new Random(8);
        for (int k = 0; k < 20; k++) {
            int first = rnd.nextInt(all.length);
            int last = Math.min(all.length - 1, first + rnd.nextInt(all.length));
            Reconstruction part = cas.reconstruction(r.files().getFirst().fileHash(), Optional.of(new ByteRange(first, last, Long.MAX_VALUE))).orElseThrow();
            assertThat(download(part, last - first + 1)).isEqualTo(Arrays.copyOfRange(all, first, last + 1));
        }
    }

    @Test
    void storageFiguresCountUploadedXorbs() throws Exception {
        dev.forge.storage.StorageFigures figures = (dev.forge.storage.StorageFigures) tf.forge.stores().blobs();
        long before = figures.totals().storedBytes();
        Built b = build(23, 4);
        putXorb(admin, b.xorb());
        long after = figures.totals().storedBytes();
        assertThat(after - before).as("the pack: the chunks as sent plus its footer").isGreaterThanOrEqualTo(b.xorb().length - 8L * 4);
        LfsOid oid = putShard(admin, b.shard()).files().getFirst().oid();
        assertThat(figures.footprint(List.of(oid)).logicalBytes()).isEqualTo(b.data().length);
    }

    @Test
    void aShardWhoseClaimedSha256IsWrongIsRefusedAndNothingRegistered() throws Exception {
        Built b = build(11, 4);
        putXorb(admin, b.xorb());
        Shard.FileInfo f = b.model().files().getFirst();
        String wrong = "00".repeat(32);
        byte[] lying = ShardWriter.write(Shard.of(List.of(withSha(f, wrong)), b.model().xorbs()), false);
        assertThatThrownBy(() -> putShard(admin, lying)).isInstanceOf(ForgeException.class)
                .matches(e -> status(e) == 400).hasMessageContaining("SHA-256");
        assertThat(cas.oidOf(hex(f.fileHash()))).isEmpty();
        assertThat(tf.forge.stores().blobs().size(new LfsOid(wrong))).isEmpty();
        assertThat(tf.forge.stores().blobs().size(new LfsOid(sha256(b.data())))).isEmpty();
        // the honest shard then registers it
        assertThat(putShard(admin, b.shard()).files().getFirst().oid().hex()).isEqualTo(sha256(b.data()));
        assertThat(read(new LfsOid(sha256(b.data())))).isEqualTo(b.data());
    }

    @Test
    void aShardNamingAnAbsentXorbIsRefused() throws Exception {
        Built b = build(12, 3); // xorb never uploaded
        assertThatThrownBy(() -> putShard(admin, b.shard())).matches(e -> status(e) == 400).hasMessageContaining("not stored");
        assertThat(cas.oidOf(hex(b.model().files().getFirst().fileHash()))).isEmpty();
    }

    @Test
    void aShardWithWrongTermsOrFileHashIsRefused() throws Exception {
        Built b = build(13, 3);
        putXorb(admin, b.xorb());
        Shard.FileInfo f = b.model().files().getFirst();
        Shard.Term t = f.terms().getFirst();
        Shard.FileInfo pastEnd = new Shard.FileInfo(f.fileHash(), List.of(new Shard.Term(t.xorbHash(), 0, t.unpackedBytes(), 0, 4)),
                Optional.empty(), f.sha256());
        assertThatThrownBy(() -> putShard(admin, ShardWriter.write(Shard.of(List.of(pastEnd), List.of()), false))).matches(e -> status(e) == 400);
        Shard.FileInfo wrongLength = new Shard.FileInfo(f.fileHash(), List.of(new Shard.Term(t.xorbHash(), 0, t.unpackedBytes() - 1, 0, 3)),
                Optional.empty(), f.sha256());
        assertThatThrownBy(() -> putShard(admin, ShardWriter.write(Shard.of(List.of(wrongLength), List.of()), false))).matches(e -> status(e) == 400);
        byte[] otherName = f.fileHash().clone();
        otherName[0] ^= 1;
        Shard.FileInfo wrongName = new Shard.FileInfo(otherName, f.terms(), f.verification(), f.sha256());
        assertThatThrownBy(() -> putShard(admin, ShardWriter.write(Shard.of(List.of(wrongName), List.of()), false)))
                .matches(e -> status(e) == 400).hasMessageContaining("hash");
        Shard.FileInfo badVerification = new Shard.FileInfo(f.fileHash(), f.terms(), Optional.of(List.of(new byte[32])), f.sha256());
        assertThatThrownBy(() -> putShard(admin, ShardWriter.write(Shard.of(List.of(badVerification), List.of()), false)))
                .matches(e -> status(e) == 400).hasMessageContaining("verification");
        assertThat(cas.oidOf(hex(f.fileHash()))).isEmpty();
        assertThatThrownBy(() -> putShard(admin, new byte[] {1, 2, 3})).isInstanceOf(XetFormatException.class);
    }

    @Test
    void aShardReferencingSomeoneElsesXorbIsRefusedUnlessTheyCanReadAFileInIt() throws Exception {
        Built b = build(14, 3);
        putXorb(admin, b.xorb());
        assertThatThrownBy(() -> putShard(bobActor, b.shard())).matches(e -> status(e) == 403);
        assertThat(cas.oidOf(hex(b.model().files().getFirst().fileHash()))).isEmpty();
        assertThat(cas.dedupShard(bobActor, hex(Xorb.parse(b.xorb(), b.xorb().length).chunks().getFirst().hash()))).as("no dedup answer either").isEmpty();

        // admin registers and commits the file to a private repository: bob still cannot
        ShardResult r = putShard(admin, b.shard());
        LfsOid oid = r.files().getFirst().oid();
        Repo secret = tf.createPrivateRepo(RepoType.MODEL, "admin/secret-weights");
        tf.forge.stores().index().recordLfsUpload(secret.key(), oid.hex()); // what the http layer records after the shard
        tf.forge.commits.commit(tf.admin, secret, "main", Optional.empty(), List.of(new CommitOperation.AddLfsFile("w.bin", oid, b.data().length)), "weights");
        assertThatThrownBy(() -> putShard(bobActor, b.shard())).matches(e -> status(e) == 403);

        // once a public repository holds it, bob could download it anyway: dedup against it is allowed
        Repo open = tf.createRepo(RepoType.MODEL, "admin/open-weights");
        tf.forge.stores().index().recordLfsUpload(open.key(), oid.hex());
        tf.forge.commits.commit(tf.admin, open, "main", Optional.empty(), List.of(new CommitOperation.AddLfsFile("w.bin", oid, b.data().length)), "weights");
        assertThat(putShard(bobActor, b.shard()).files().getFirst().oid()).isEqualTo(oid);
        assertThat(cas.dedupShard(bobActor, hex(Xorb.parse(b.xorb(), b.xorb().length).chunks().getFirst().hash()))).isPresent();
    }

    @Test
    void theDedupAnswerIsAShardWithProtectedChunkHashes() throws Exception {
        Built b = build(15, 5);
        putXorb(admin, b.xorb());
        Xorb x = Xorb.parse(b.xorb(), b.xorb().length);
        ByteBuffer answer = cas.dedupShard(admin, hex(x.chunks().get(2).hash())).orElseThrow();
        byte[] bytes = new byte[answer.remaining()];
        answer.get(bytes);
        Shard s = ShardReader.read(bytes, bytes.length);
        assertThat(s.files()).isEmpty();
        assertThat(s.chunkHashesProtected()).isTrue();
        Shard.XorbInfo info = s.xorbs().getFirst();
        assertThat(info.hash()).isEqualTo(x.hash());
        assertThat(info.bytesOnDisk()).isEqualTo(b.xorb().length);
        for (int i = 0; i < x.chunks().size(); i++) {
            assertThat(info.chunks().get(i).hash()).isEqualTo(XetHash.hmac(x.chunks().get(i).hash(), s.hmacKey()));
        }
        assertThat(cas.dedupShard(admin, new XetHashHex("ef".repeat(32)))).isEmpty();
        assertThat(cas.dedupShard(Actor.anonymous("1.2.3.4"), hex(x.chunks().get(2).hash()))).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ hostile xorbs

    @Test
    void hostileXorbsAreRefusedAndNothingIsStored() throws Exception {
        Built b = build(16, 3);
        byte[] xorb = b.xorb();
        byte[] name = Xorb.parse(xorb, xorb.length).hash();
        XetHashHex h = hex(name);
        // truncated
        assertThatThrownBy(() -> cas.putXorb(admin, h, new ByteArrayInputStream(xorb, 0, xorb.length - 5), xorb.length - 5))
                .isInstanceOf(XetFormatException.class).matches(e -> status(e) == 400);
        // announced length not what is sent
        assertThatThrownBy(() -> cas.putXorb(admin, h, new ByteArrayInputStream(xorb, 0, xorb.length - 5), xorb.length)).matches(e -> status(e) == 400);
        // a chunk's bytes changed
        byte[] flipped = xorb.clone();
        flipped[flipped.length - 3] ^= 0x55;
        assertThatThrownBy(() -> cas.putXorb(admin, h, new ByteArrayInputStream(flipped), flipped.length)).matches(e -> status(e) == 400);
        // right bytes, wrong name
        byte[] other = name.clone();
        other[5] ^= 1;
        assertThatThrownBy(() -> cas.putXorb(admin, hex(other), new ByteArrayInputStream(xorb), xorb.length)).matches(e -> status(e) == 400);
        // oversized: declared, and sent without a length
        assertThatThrownBy(() -> cas.putXorb(admin, h, new ByteArrayInputStream(xorb), XetCas.MAX_XORB_BYTES + 1)).matches(e -> status(e) == 413);
        InputStream endless = new InputStream() {
            long n;
            @Override public int read() { return n++ < XetCas.MAX_XORB_BYTES + 10 ? 0 : -1; }
            @Override public int read(byte[] b, int off, int len) {
                if (n >= XetCas.MAX_XORB_BYTES + 10) return -1;
                int k = (int) Math.min(len, XetCas.MAX_XORB_BYTES + 10 - n);
                Arrays.fill(b, off, off + k, (byte) 0);
                n += k;
                return k;
            }
        };
        assertThatThrownBy(() -> cas.putXorb(admin, h, endless, -1)).matches(e -> status(e) == 413);
        // a body that breaks off mid-upload
        InputStream broken = new InputStream() {
            int n;
            @Override public int read() throws IOException {
                if (n == xorb.length / 2) throw new IOException("connection reset");
                return xorb[n++] & 0xff;
            }
        };
        assertThatThrownBy(() -> cas.putXorb(admin, h, broken, xorb.length)).isNotNull();
        // anonymous
        assertThatThrownBy(() -> cas.putXorb(Actor.anonymous("1.2.3.4"), h, new ByteArrayInputStream(xorb), xorb.length)).matches(e -> status(e) == 401);

        assertThat(store.xorb(name)).as("nothing stored").isEmpty();
        assertThat(store.xorb(other)).isEmpty();
        assertThat(tmpFiles()).as("no temporary file left").isEmpty();
        assertThat(putXorb(admin, xorb)).isTrue();
    }

    static List<Path> tmpFiles() throws IOException {
        Path tmp = tf.dataDir.resolve("chunks").resolve("tmp");
        try (var s = Files.list(tmp)) {
            return s.toList();
        }
    }

    // ------------------------------------------------------------------------------------------------ gc

    @Test
    void gcCollectsXetFilesNoRepositoryHoldsAndTheirXorbs() throws Exception {
        Built b = build(17, 3);
        putXorb(admin, b.xorb());
        LfsOid oid = putShard(admin, b.shard()).files().getFirst().oid();
        byte[] name = Xorb.parse(b.xorb(), b.xorb().length).hash();
        Collectable gc = (Collectable) tf.forge.stores().blobs();
        // within the grace period nothing goes
        gc.gc(Set.of(), Duration.ofDays(1), m -> {});
        assertThat(cas.oidOf(hex(b.model().files().getFirst().fileHash()))).contains(oid);
        // kept while live
        Set<LfsOid> everythingElse = new java.util.HashSet<>(((dev.forge.storage.LayeredBlobStore) tf.forge.stores().blobs()).chunks().files());
        gc.gc(everythingElse, Duration.ZERO, m -> {});
        assertThat(read(oid)).isEqualTo(b.data());
        everythingElse.remove(oid);
        gc.gc(everythingElse, Duration.ZERO, m -> {});
        assertThat(cas.oidOf(hex(b.model().files().getFirst().fileHash()))).isEmpty();
        assertThat(cas.reconstruction(hex(b.model().files().getFirst().fileHash()), Optional.empty())).isEmpty();
        String h = XetHash.hex(name);
        assertThat(tf.dataDir.resolve("chunks/packs").resolve(h.substring(0, 2)).resolve(h + ".pack")).as("its xorb went to trash").doesNotExist();
        assertThat(tf.dataDir.resolve("chunks/xet").resolve(XetHash.hex(b.model().files().getFirst().fileHash()).substring(0, 2))
                .resolve(XetHash.hex(b.model().files().getFirst().fileHash()))).as("and its index entry").doesNotExist();
    }
}
