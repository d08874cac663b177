package dev.forge.service.airlock;

import dev.forge.cards.CardData;
import dev.forge.core.ForgeConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The airlock's rules over one configuration ({@link ForgeConfig.Airlock}), without side effects: what
 * {@link AuditedAirlock} asks before it writes the audit entry. A revision is checked for its namespace, its card's
 * licence and its total size; a file for its size, its format (pickle-based by name) and, when the policy reads
 * pickles, for what it imports. The first rule that refuses is the verdict. Thread-safe (immutable).
 */
public final class AirlockPolicy {
    /** Names of pickle-based formats: PyTorch checkpoints ({@code .bin .pt .pth .ckpt}), pickles, joblib dumps. */
    static final Set<String> PICKLE_EXTENSIONS = Set.of(".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib");
    private static final int LISTED_IMPORTS = 5;

    private final ForgeConfig.Airlock config;
    private final List<NamespaceGlob> allowed;
    private final List<NamespaceGlob> denied;
    private final Set<String> licenses;
    private final PickleScanner scanner;

    /** @param tmp where the scanner copies a zip checkpoint it is given as a stream */
    public AirlockPolicy(ForgeConfig.Airlock config, Path tmp) {
        this(config, new PickleScanner(PickleReader.Limits.DEFAULTS, tmp));
    }

    AirlockPolicy(ForgeConfig.Airlock config, PickleScanner scanner) {
        this.config = config;
        this.allowed = config.allowedNamespaces().stream().map(NamespaceGlob::of).toList();
        this.denied = config.deniedNamespaces().stream().map(NamespaceGlob::of).toList();
        this.licenses = config.allowedLicenses().stream().map(l -> l.strip().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        this.scanner = scanner;
    }

    public ForgeConfig.Airlock config() { return config; }

    /** Namespace, then licence, then the revision's total size. */
    public Verdict checkRevision(PullSubject subject) {
        Verdict v = checkNamespace(subject);
        if (!v.allowed()) return v;
        v = checkLicense(subject);
        if (!v.allowed()) return v;
        long total = 0;
        for (PullSubject.PulledFile f : subject.files()) total += f.size();
        if (config.maxRevisionBytes() > 0 && total > config.maxRevisionBytes()) {
            return new Verdict.Refused(AirlockRules.REVISION_SIZE, "the files of " + subject.repo() + " at " + shortCommit(subject)
                    + " add up to " + total + " bytes, more than the limit of " + config.maxRevisionBytes());
        }
        return Verdict.ALLOWED;
    }

    /**
     * The namespace again (a file is never let in from a denied namespace, even by a caller that skipped the
     * revision), then the file's size, its format, and what a pickle-based file imports. The licence is the
     * revision's rule alone: a file check does not need the card (callers may check a file long after its revision).
     */
    public Verdict checkFile(PullSubject subject, String path, long size, FileBytes bytes) {
        Verdict v = checkNamespace(subject);
        if (!v.allowed()) return v;
        if (config.maxFileBytes() > 0 && size > config.maxFileBytes()) {
            return new Verdict.Refused(AirlockRules.FILE_SIZE, "'" + path + "' is " + size + " bytes, more than the per-file limit of "
                    + config.maxFileBytes());
        }
        Optional<String> ext = pickleExtension(path);
        if (ext.isEmpty()) return Verdict.ALLOWED;
        return switch (config.pickle()) {
            case ALLOW -> Verdict.ALLOWED;
            case REFUSE -> new Verdict.Refused(AirlockRules.FILE_FORMAT, "'" + path + "' is a pickle-based file (" + ext.get()
                    + "), which can run code when loaded; this forge lets in safe formats such as safetensors and GGUF");
            case SCAN -> judge(path, scanner.scan(bytes), PickleImport.Safety.DANGEROUS);
            case STRICT -> judge(path, scanner.scan(bytes), PickleImport.Safety.SUSPICIOUS);
        };
    }

    /** Whether {@link #checkFile} reads the file's bytes: a pickle-based file, when the policy scans pickles. */
    public boolean readsBytes(String path) {
        return pickleExtension(path).isPresent()
                && (config.pickle() == ForgeConfig.Airlock.Pickle.SCAN || config.pickle() == ForgeConfig.Airlock.Pickle.STRICT);
    }

    private static Verdict judge(String path, PickleScan scan, PickleImport.Safety refusedFrom) {
        List<PickleImport> bad = scan.atLeast(refusedFrom);
        if (!bad.isEmpty()) {
            String listed = bad.stream().limit(LISTED_IMPORTS).map(PickleImport::toString).collect(Collectors.joining(", "));
            String more = bad.size() > LISTED_IMPORTS ? " and " + (bad.size() - LISTED_IMPORTS) + " more" : "";
            String what = refusedFrom == PickleImport.Safety.DANGEROUS ? "dangerous globals" : "globals outside the safe list";
            return new Verdict.Refused(AirlockRules.PICKLE_IMPORT, "'" + path + "' imports " + what + ": " + listed + more);
        }
        if (scan instanceof PickleScan.Invalid invalid) {
            return new Verdict.Refused(AirlockRules.PICKLE_INVALID, "'" + path + "' is not a pickle the scanner could read: " + invalid.reason());
        }
        return Verdict.ALLOWED;
    }

    private Verdict checkNamespace(PullSubject subject) {
        for (NamespaceGlob g : denied) {
            if (g.matches(subject)) {
                return new Verdict.Refused(AirlockRules.NAMESPACE, subject.repo() + " is in a denied namespace (" + g.glob() + ")");
            }
        }
        if (allowed.isEmpty() || allowed.stream().anyMatch(g -> g.matches(subject))) return Verdict.ALLOWED;
        return new Verdict.Refused(AirlockRules.NAMESPACE, subject.repo() + " is not in an allowed namespace (allowed: "
                + String.join(", ", config.allowedNamespaces()) + ")");
    }

    /** A namespace glob: over the namespace, or over {@code namespace/name} when it has a slash. */
    private record NamespaceGlob(String glob, Pattern pattern, boolean wholeId) {
        static NamespaceGlob of(String glob) {
            return new NamespaceGlob(glob.strip(), AirlockPolicy.glob(glob), glob.contains("/"));
        }

        boolean matches(PullSubject s) {
            return pattern.matcher(wholeId ? s.repo().toString() : s.repo().namespace()).matches();
        }
    }

    private Verdict checkLicense(PullSubject subject) {
        if (licenses.isEmpty()) return Verdict.ALLOWED;
        List<String> found;
        try {
            found = CardData.parse(subject.card()).map(AirlockPolicy::licenses).orElse(List.of());
        } catch (CardData.InvalidCardException e) {
            return new Verdict.Refused(AirlockRules.LICENSE, "the card of " + subject.repo() + " could not be read for its licence: "
                    + e.getMessage());
        }
        if (found.isEmpty()) {
            return new Verdict.Refused(AirlockRules.LICENSE, subject.repo() + " names no licence in its card (allowed: "
                    + String.join(", ", config.allowedLicenses()) + ")");
        }
        List<String> refused = found.stream().filter(l -> !licenses.contains(l)).toList();
        if (refused.isEmpty()) return Verdict.ALLOWED;
        return new Verdict.Refused(AirlockRules.LICENSE, subject.repo() + " is under " + String.join(", ", refused)
                + ", which is not on the licence allow-list (" + String.join(", ", config.allowedLicenses()) + ")");
    }

    /** The card's {@code license}: one id or a list of them, lower-cased. */
    private static List<String> licenses(Map<String, Object> card) {
        Object l = card.get("license");
        if (l instanceof String s && !s.isBlank()) return List.of(s.strip().toLowerCase(Locale.ROOT));
        if (l instanceof List<?> list) {
            return list.stream().filter(String.class::isInstance).map(o -> ((String) o).strip().toLowerCase(Locale.ROOT))
                    .filter(s -> !s.isEmpty()).toList();
        }
        return List.of();
    }

    static Optional<String> pickleExtension(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        if (dot < 0) return Optional.empty();
        String ext = name.substring(dot);
        return PICKLE_EXTENSIONS.contains(ext) ? Optional.of(ext) : Optional.empty();
    }

    /** A glob of {@code *} (any run of characters but {@code /}) and {@code ?} (one such character), ignoring case. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.strip().toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) re.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
                re.append(c == '*' ? "[^/]*" : "[^/]");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) re.append(Pattern.quote(literal.toString()));
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    private static String shortCommit(PullSubject s) {
        return s.commit().length() > 12 ? s.commit().substring(0, 12) : s.commit();
    }
}
