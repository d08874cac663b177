package dev.forge.service.airlock;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a pickle-based file the way the loaders that would run it do, and lists what it imports: a plain pickle
 * file (every pickle in it, one after another, to its end); a legacy {@code torch.save} file (the magic-number pickle
 * and the four pickles after it; what follows is raw tensor data); a zip checkpoint ({@code torch.save} since 1.6,
 * Lightning {@code .ckpt}: every {@code .pkl}/{@code .pickle} entry, e.g. {@code archive/data.pkl}, read through the
 * central directory as PyTorch does). The scan never throws: unreadable, malformed or over-limit input is
 * {@link PickleScan.Invalid}. Thread-safe (holds only its limits and a folder for temporary copies).
 */
final class PickleScanner {
    /** Zip entries a pickle loader unpickles. */
    private static final Set<String> PICKLE_ENTRY_SUFFIXES = Set.of(".pkl", ".pickle");
    private static final int MAX_ZIP_ENTRIES = 100_000;
    /** How an unexpected failure of the scanner itself starts its reason. */
    static final String SCANNER_FAILURE = "the scanner failed: ";

    private final PickleReader.Limits limits;
    private final Path tmp;

    /** @param tmp where a zip that is not on local disk is copied to be read through its central directory */
    PickleScanner(PickleReader.Limits limits, Path tmp) {
        this.limits = limits;
        this.tmp = tmp;
    }

    PickleScan scan(FileBytes bytes) {
        Set<PickleImport> found = new LinkedHashSet<>();
        try {
            byte[] head;
            try (InputStream in = bytes.open()) {
                head = in.readNBytes(4);
            }
            if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 && head[3] == 4 || head[2] == 5 && head[3] == 6)) {
                return scanZip(bytes, found);
            }
            try (InputStream in = bytes.open()) {
                readStream(in, found);
            }
            return new PickleScan.Read(found.stream().toList());
        } catch (PickleReader.Malformed e) {
            return new PickleScan.Invalid(e.getMessage(), found.stream().toList());
        } catch (IOException e) {
            return new PickleScan.Invalid("could not be read: " + e.getMessage(), found.stream().toList());
        } catch (RuntimeException e) {
            // a bug of the scanner's, never the input's fault; still a refusal, and named so that tests catch it
            return new PickleScan.Invalid(SCANNER_FAILURE + e, found.stream().toList());
        }
    }

    /** Every pickle of a stream, or a legacy torch.save layout (magic number, then exactly four pickles). */
    private void readStream(InputStream in, Set<PickleImport> found) throws IOException, PickleReader.Malformed {
        PickleReader reader = new PickleReader(in, limits, found::add);
        if (reader.atEnd()) throw new PickleReader.Malformed("empty: not a pickle");
        reader.readPickle();
        if (reader.wasTorchMagic()) {
            for (int i = 0; i < 4; i++) reader.readPickle();
            return;
        }
        while (!reader.atEnd()) reader.readPickle();
    }

    private PickleScan scanZip(FileBytes bytes, Set<PickleImport> found) throws IOException, PickleReader.Malformed {
        Path file = bytes.path().orElse(null);
        Path copy = null;
        try {
            if (file == null) {
                copy = Files.createTempFile(Files.createDirectories(tmp), "airlock", ".zip");
                try (InputStream in = bytes.open()) {
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
                file = copy;
            }
            long budget = limits.maxBytes();
            int entries = 0;
            try (ZipFile zip = new ZipFile(file.toFile())) {
                Enumeration<? extends ZipEntry> all = zip.entries();
                while (all.hasMoreElements()) {
                    ZipEntry e = all.nextElement();
                    if (++entries > MAX_ZIP_ENTRIES) throw new PickleReader.Malformed("a zip of more than " + MAX_ZIP_ENTRIES + " entries");
                    if (e.isDirectory() || !isPickleEntry(e.getName())) continue;
                    PickleReader.Limits left = new PickleReader.Limits(budget, limits.maxOps(), limits.maxStack(), limits.maxMemo(),
                            limits.maxStringBytes());
                    try (InputStream in = zip.getInputStream(e)) {
                        PickleReader reader = new PickleReader(in, left, found::add);
                        if (reader.atEnd()) throw new PickleReader.Malformed("empty: not a pickle");
                        while (!reader.atEnd()) reader.readPickle();
                        budget -= reader.position();
                    } catch (PickleReader.Malformed m) {
                        throw new PickleReader.Malformed("zip entry " + e.getName() + ": " + m.getMessage());
                    }
                }
            }
            return new PickleScan.Read(found.stream().toList());
        } finally {
            if (copy != null) Files.deleteIfExists(copy);
        }
    }

    private static boolean isPickleEntry(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return PICKLE_ENTRY_SUFFIXES.stream().anyMatch(n::endsWith);
    }
}
