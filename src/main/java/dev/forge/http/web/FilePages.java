package dev.forge.http.web;

import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.discovery.OverviewService;
import dev.forge.service.discovery.WeightFacts;
import dev.forge.service.repo.AccessRequestService;
import dev.forge.service.repo.ContentService;
import dev.forge.service.repo.InfoService;
import dev.forge.service.repo.RepoService;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Files: the tree at any branch, tag or commit ({@code /{repo}/tree/{rev}/{folder}}, a page of {@value #TREE_PAGE}
 * entries with the commit that last changed each), and one file ({@code /{repo}/blob/{rev}/{path}}): text and code
 * highlighted, images shown, weight files summarised from their headers, LFS files with their size and SHA-256, and
 * links to download and to the raw bytes. At most {@value #PREVIEW_BYTES} bytes or {@value #PREVIEW_LINES} lines are
 * shown, so a page stays small; the rest is a download away.
 */
public final class FilePages {
    static final int TREE_PAGE = 100;
    static final int PREVIEW_BYTES = 48 * 1024;
    static final int PREVIEW_LINES = 1000;
    /** The highlighted text stops here, so the page stays under its budget of 100 KiB. */
    static final int PREVIEW_HTML_CHARS = 64 * 1024;
    private static final Set<String> IMAGES = Set.of("png", "jpg", "jpeg", "gif", "webp");

    private final Pages pages;
    private final InfoService info;
    private final ContentService content;
    private final OverviewService overviews;
    private final RepoService repos;
    private final AccessRequestService accessRequests;

    public FilePages(Pages pages, InfoService info, ContentService content, OverviewService overviews, RepoService repos,
                     AccessRequestService accessRequests) {
        this.pages = pages;
        this.info = info;
        this.content = content;
        this.overviews = overviews;
        this.repos = repos;
        this.accessRequests = accessRequests;
    }

    /** One step of the path above a folder or file: its name and link. */
    public record Crumb(String name, String href) {}

    public record TreeView(RepoNav nav, InfoService.TreePage page, List<Crumb> crumbs, Optional<String> nextPage, boolean firstPage) {}

    public void tree(Exchange ex) {
        Optional<String> cursor = ex.param("cursor").filter(c -> !c.isBlank());
        InfoService.TreePage page = info.tree(ex.actor(), ex.repoType(), ex.repoId(), ex.tailSegments(), false, true, cursor.orElse(null), TREE_PAGE);
        Repo repo = page.repo();
        Links links = pages.links();
        Optional<String> next = Optional.ofNullable(page.nextCursor())
                .map(c -> links.tree(repo, page.revision(), page.folder()) + "?cursor=" + Links.seg(c));
        TreeView v = new TreeView(RepoNav.of(links, repo, "files", page.revision(), repos.canWrite(ex.actor(), repo)), page,
                crumbs(links, repo, page.revision(), page.folder(), true), next, cursor.isEmpty());
        String where = page.folder().isEmpty() ? repo.displayId() : page.folder() + " · " + repo.displayId();
        pages.render(ex, 200, "tree.jte", pages.frame(ex, where + " at " + page.revision()), v);
    }

    /** How a file is shown. */
    public enum Kind { TEXT, IMAGE, WEIGHTS, BINARY, EMPTY }

    /**
     * @param lines the highlighted lines shown (text files), {@code truncated} when the file has more
     * @param header what a weight file's header says
     */
    public record BlobView(RepoNav nav, ContentService.FileTarget file, String revision, List<Crumb> crumbs, Kind kind,
                           List<SafeHtml> lines, boolean truncated, String language, Optional<WeightFacts.FileHeader> header,
                           String imageUrl, String rawUrl, String downloadUrl) {}

    public void blob(Exchange ex) {
        ContentService.FileView view;
        try {
            view = content.view(ex.actor(), ex.repoType(), ex.repoId(), ex.tailSegments(), PREVIEW_BYTES);
        } catch (ForgeException e) {
            Repo repo = repos.readable(ex.actor(), ex.repoType(), ex.repoId()); // not found stays not found
            RepoPages.gated(pages, ex, e, repo, accessRequests.ownStatus(ex.actor(), repo));
            return;
        }
        ContentService.FileTarget t = view.target();
        Repo repo = t.repo();
        String path = t.entry().path();
        Links links = pages.links();
        String ext = path.contains(".") ? path.substring(path.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
        Optional<WeightFacts.FileHeader> header = ext.equals("safetensors") || ext.equals("gguf") ? overviews.weightHeader(t) : Optional.empty();
        List<SafeHtml> lines = List.of();
        boolean truncated = view.truncated();
        Kind kind;
        if (t.entry().size() == 0) {
            kind = Kind.EMPTY;
        } else if (header.isPresent()) {
            kind = Kind.WEIGHTS;
        } else if (IMAGES.contains(ext)) {
            kind = Kind.IMAGE;
        } else {
            Optional<String> text = text(view.head(), view.truncated());
            if (text.isEmpty()) {
                kind = Kind.BINARY;
            } else {
                kind = Kind.TEXT;
                lines = Highlighter.lines(text.get(), path);
                int keep = 0;
                for (long html = 0; keep < lines.size() && keep < PREVIEW_LINES && html < PREVIEW_HTML_CHARS; keep++) {
                    html += lines.get(keep).html().length() + 24;
                }
                if (keep < lines.size()) {
                    lines = lines.subList(0, keep);
                    truncated = true;
                }
            }
        }
        BlobView v = new BlobView(RepoNav.of(links, repo, "files", view.revision(), repos.canWrite(ex.actor(), repo)), t, view.revision(),
                crumbs(links, repo, view.revision(), path, false), kind, lines, truncated, Highlighter.languageOf(path), header,
                links.resolve(repo, t.commit(), path), links.raw(repo, view.revision(), path), links.download(repo, view.revision(), path));
        pages.render(ex, 200, "blob.jte", pages.frame(ex, path + " · " + repo.displayId()), v);
    }

    /** The bytes as UTF-8 text, or empty when they look binary (a NUL, or not UTF-8 apart from a sequence cut at the end). */
    static Optional<String> text(byte[] head, boolean cut) {
        for (byte b : head) if (b == 0) return Optional.empty();
        for (int drop = 0; drop <= (cut ? 3 : 0) && drop <= head.length; drop++) {
            try {
                return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(head, 0, head.length - drop)).toString());
            } catch (CharacterCodingException e) {
                // try without a possibly cut last sequence
            }
        }
        return Optional.empty();
    }

    /** The links above a folder or file: the repository's root, then each folder (a file's own name is not a link). */
    static List<Crumb> crumbs(Links links, Repo repo, String rev, String path, boolean folder) {
        List<Crumb> out = new ArrayList<>();
        out.add(new Crumb(repo.id().name(), links.tree(repo, rev, "")));
        if (path.isEmpty()) return out;
        String[] parts = path.split("/");
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (!at.isEmpty()) at.append('/');
            at.append(parts[i]);
            boolean last = i == parts.length - 1;
            out.add(new Crumb(parts[i], last && !folder ? "" : links.tree(repo, rev, at.toString())));
        }
        return out;
    }
}
