package dev.forge.core;

import java.time.Instant;
import java.util.List;

/**
 * What the index keeps of a commit so that info, tree and commit listings never walk git:
 * its title and message, author, dates, first-parent-inclusive ancestry count, and the card
 * metadata parsed from its {@code README.md} front matter (JSON text, or null).
 */
public record CommitMeta(String id, String treeId, List<String> parents, String title, String message,
                         String authorName, String authorEmail, Instant authoredAt, Instant committedAt,
                         long historyCount, String cardDataJson) {}
