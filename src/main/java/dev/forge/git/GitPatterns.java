package dev.forge.git;

import org.eclipse.jgit.attributes.Attribute;
import org.eclipse.jgit.attributes.AttributesNode;
import org.eclipse.jgit.attributes.AttributesRule;
import org.eclipse.jgit.ignore.IgnoreNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Root-level {@code .gitattributes} and {@code .gitignore} rules, matched with JGit's own engines so that
 * Forge decides "is this path LFS?" and "is it ignored?" exactly as git does. Immutable, thread-safe.
 */
public final class GitPatterns {
    private final List<AttributesRule> attributes;
    private final IgnoreNode ignore;

    private GitPatterns(List<AttributesRule> attributes, IgnoreNode ignore) {
        this.attributes = attributes;
        this.ignore = ignore;
    }

    /** Either text may be null or empty. */
    public static GitPatterns parse(String gitattributes, String gitignore) {
        try {
            AttributesNode a = new AttributesNode();
            if (gitattributes != null) a.parse(new ByteArrayInputStream(gitattributes.getBytes(StandardCharsets.UTF_8)));
            IgnoreNode i = new IgnoreNode();
            if (gitignore != null) i.parse(new ByteArrayInputStream(gitignore.getBytes(StandardCharsets.UTF_8)));
            return new GitPatterns(List.copyOf(a.getRules()), i);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the last matching rule that mentions {@code filter} sets it to {@code lfs}. */
    public boolean isLfs(String path) {
        for (int i = attributes.size() - 1; i >= 0; i--) {
            AttributesRule rule = attributes.get(i);
            if (!rule.isMatch(path, false)) continue;
            for (Attribute attr : rule.getAttributes()) {
                if (attr.getKey().equals("filter")) return attr.getState() == Attribute.State.CUSTOM && "lfs".equals(attr.getValue());
            }
        }
        return false;
    }

    public boolean isIgnored(String path) {
        // as in git, everything under an ignored directory is ignored (a rule like "build/" matches only the folder)
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            Boolean dir = ignore.checkIgnored(path.substring(0, slash), true);
            if (dir != null && dir) return true;
        }
        Boolean r = ignore.checkIgnored(path, false);
        return r != null && r;
    }
}
