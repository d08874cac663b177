package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Verifies a {@link ChunkStore} from the bytes up: every chunk of every pack hashes to the Xet hash its footer
 * names and every pack to its name; every file manifest is intact, uses only chunk runs that exist, hashes (as Xet
 * file id) to what it recorded, and its bytes hash to its SHA-256 name. Read-only.
 */
final class ChunkFsck {
    private final ChunkStore store;

    ChunkFsck(ChunkStore store) {
        this.store = store;
    }

    Verifiable.FsckReport run(Consumer<String> progress) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, Pack> packs = new HashMap<>();
        Set<String> badPacks = new HashSet<>();
        List<Path> files = store.packFiles();
        long chunks = 0;
        long bytes = 0;
        int n = 0;
        for (Path p : files) {
            n++;
            if (n % 16 == 0 || n == files.size()) progress.accept("packs: " + n + "/" + files.size());
            String name = ChunkStore.stem(p);
            Pack pack;
            try {
                pack = Pack.read(p, XetHash.fromHex(name));
            } catch (IOException e) {
                problems.add("pack " + name + ": " + e.getMessage());
                badPacks.add(name);
                continue;
            }
            packs.put(name, pack);
            if (!XetHash.hex(XetHash.merkleRoot(pack.nodes())).equals(name)) {
                problems.add("pack " + name + ": its footer does not hash to its name");
                badPacks.add(name);
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                for (int i = 0; i < pack.count(); i++) {
                    String corrupt = "pack " + name + ": chunk " + i + " (" + XetHash.hex(pack.chunks()[i]) + ") is corrupt: ";
                    try {
                        byte[] raw = pack.chunk(ch, i); // decompressed: the hash is of the chunk's own bytes
                        if (!Arrays.equals(XetHash.chunk(raw, 0, raw.length), pack.chunks()[i])) {
                            problems.add(corrupt + "its bytes hash differently");
                            badPacks.add(name);
                        }
                    } catch (IOException e) {
                        problems.add(corrupt + e.getMessage());
                        badPacks.add(name);
                    }
                    chunks++;
                    bytes += pack.length(i);
                }
            }
        }
        Set<LfsOid> good = new HashSet<>();
        List<LfsOid> all = store.files();
        n = 0;
        for (LfsOid oid : all) {
            n++;
            if (n % 100 == 0 || n == all.size()) progress.accept("files: " + n + "/" + all.size());
            String problem = verifyFile(oid, packs);
            if (problem == null) good.add(oid);
            else problems.add("file " + oid + ": " + problem);
        }
        return new Verifiable.FsckReport(packs.size(), chunks, bytes, all.size(), Set.copyOf(good), List.copyOf(problems));
    }

    private String verifyFile(LfsOid oid, Map<String, Pack> packs) throws IOException {
        FileManifest m;
        try {
            m = FileManifest.decode(Files.readAllBytes(store.filePath(oid)));
        } catch (java.nio.file.NoSuchFileException e) {
            return null; // deleted meanwhile
        } catch (IOException e) {
            return e.getMessage();
        }
        List<XetHash.Node> nodes = new ArrayList<>();
        for (FileManifest.Run r : m.runs()) {
            String name = XetHash.hex(r.pack());
            Pack p = packs.get(name);
            if (p == null) return "uses pack " + name + ", which is missing or unreadable";
            if (r.first() + (long) r.count() > p.count()) return "uses chunks past the end of pack " + name;
            long end = p.ends()[r.first() + r.count() - 1];
            long raw = 0;
            for (int i = r.first(); i < r.first() + r.count(); i++) {
                nodes.add(new XetHash.Node(p.chunks()[i], p.raw()[i]));
                raw += p.raw()[i];
            }
            if (p.start(r.first()) != r.offset() || end - r.offset() != r.stored() || raw != r.length()) {
                return "a run does not match the chunks of pack " + name;
            }
        }
        if (!Arrays.equals(XetHash.fileHash(nodes), m.xetHash())) return "its chunks do not hash to its recorded Xet file id";
        try (SeekableByteChannel ch = store.open(oid)) {
            LfsOid actual = BlobStore.sha256(ch);
            return actual.equals(oid) ? null : "content hashes to " + actual.hex();
        } catch (IOException e) {
            return "cannot be read: " + e.getMessage(); // e.g. a compressed chunk that no longer decodes
        }
    }
}
