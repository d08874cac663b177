package dev.forge.http.web;

import dev.forge.core.AccessRequest;
import dev.forge.core.ForgeException;
import dev.forge.core.Gating;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.FormParts;
import dev.forge.service.account.AuthService;
import dev.forge.service.lfs.FileUploadService;
import dev.forge.service.repo.AccessRequestService;
import dev.forge.service.repo.RepoService;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Making and managing repositories: create one, upload files through the page into a new commit, and the settings
 * page (visibility, gating, access requests to accept or reject, access granted by name, rename or move, delete after
 * typing the name). Each form calls the same service method as the API, so the same people may do the same things.
 */
public final class ManagePages {
    /** The most one upload form may carry. */
    static final long MAX_UPLOAD_BYTES = 2L * 1024 * 1024 * 1024;
    /** Parts up to this size stay in memory; larger ones are spooled to {@code tmp/page-uploads} by the parser. */
    private static final long UPLOAD_MEMORY_BYTES = 64 * 1024;
    private static final int REQUESTS_SHOWN = 100;

    private final Pages pages;
    private final RepoService repos;
    private final AccessRequestService accessRequests;
    private final FileUploadService uploads;
    private final AuthService auth;

    public ManagePages(Pages pages, RepoService repos, AccessRequestService accessRequests, FileUploadService uploads, AuthService auth) {
        this.pages = pages;
        this.repos = repos;
        this.accessRequests = accessRequests;
        this.uploads = uploads;
        this.auth = auth;
    }

    // ------------------------------------------------------------------------------------------- create

    public record NewView(List<String> namespaces) {}

    public void newForm(Exchange ex) {
        ex.actor().requireUser();
        pages.render(ex, 200, "new.jte", pages.frame(ex, "New repository"), new NewView(DiscoverPages.namespacesOf(auth, ex.actor())));
    }

    public void create(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        RepoType type = f.optional("type").orElse("model").equals("dataset") ? RepoType.DATASET : RepoType.MODEL;
        RepoId id = new RepoId(f.required("owner", "An owner"), f.required("name", "A name"));
        Repo repo = repos.create(ex.actor(), type, id, f.optional("visibility").orElse("public").equals("private"));
        ex.redirect(303, pages.links().repo(repo));
    }

    // ------------------------------------------------------------------------------------------- upload

    public record UploadView(RepoNav nav, String branch, long maxBytes) {}

    public void uploadForm(Exchange ex) {
        Repo repo = repos.writable(ex.actor(), ex.repoType(), ex.repoId());
        String branch = String.join("/", ex.tailSegments());
        pages.render(ex, 200, "upload.jte", pages.frame(ex, "Upload · " + repo.displayId()),
                new UploadView(RepoNav.of(pages.links(), repo, "files", branch, true), branch, MAX_UPLOAD_BYTES));
    }

    public void upload(Exchange ex) throws IOException {
        Repo repo = repos.writable(ex.actor(), ex.repoType(), ex.repoId());
        String branch = String.join("/", ex.tailSegments());
        Path spool = Files.createDirectories(pages.config().dataDir().resolve("tmp").resolve("page-uploads"));
        try (MultiPartFormData.Parts parts = FormParts.read(ex, spool, UPLOAD_MEMORY_BYTES, MAX_UPLOAD_BYTES)) {
            Map<String, String> fields = new LinkedHashMap<>();
            List<MultiPart.Part> files = new ArrayList<>();
            for (MultiPart.Part p : parts) {
                if (p.getFileName() != null) {
                    if (!p.getFileName().isEmpty()) files.add(p);
                } else if (p.getName() != null && p.getLength() <= 64 * 1024) {
                    fields.putIfAbsent(p.getName(), p.getContentAsString(StandardCharsets.UTF_8));
                }
            }
            pages.checkCsrf(ex, fields.get(Pages.CSRF_FIELD));
            String folder = fields.getOrDefault("folder", "").strip();
            while (folder.startsWith("/")) folder = folder.substring(1);
            while (folder.endsWith("/")) folder = folder.substring(0, folder.length() - 1);
            List<FileUploadService.Upload> list = new ArrayList<>();
            for (MultiPart.Part p : files) {
                String name = fileName(p.getFileName());
                String path = folder.isEmpty() ? name : folder + "/" + name;
                list.add(new FileUploadService.Upload(path, p.getLength(), source(p)));
            }
            FileUploadService.Uploaded done = uploads.upload(ex.actor(), ex.repoType(), ex.repoId(), branch, list,
                    fields.get("summary"), fields.get("description"));
            ex.redirect(303, pages.links().commit(repo, done.result().commit()));
        }
    }

    /** A part's bytes, readable as often as asked: its spool file, or the bytes a small part kept in memory. */
    private static FileUploadService.Source source(MultiPart.Part p) throws IOException {
        if (p instanceof MultiPart.PathPart file) return () -> Files.newInputStream(file.getPath());
        byte[] bytes;
        try (var in = Content.Source.asInputStream(p.getContentSource())) {
            bytes = in.readAllBytes();
        }
        return () -> new java.io.ByteArrayInputStream(bytes);
    }

    /** The name a browser gave a file, without any folder it may prepend (old browsers send a full path). */
    static String fileName(String given) {
        String n = given.replace('\\', '/');
        n = n.substring(n.lastIndexOf('/') + 1);
        if (n.isBlank()) throw ForgeException.badRequest("A file without a name");
        return n;
    }

    // ------------------------------------------------------------------------------------------- settings

    /** An access request as the settings page lists it, with the reason the requester gave (as text). */
    public record RequestRow(AccessRequest request, String reason) {
        static RequestRow of(AccessRequest r) {
            String reason = "";
            if (r.fields() != null) {
                try {
                    var n = Exchange.JSON.readTree(r.fields());
                    reason = n.path("reason").isTextual() ? n.path("reason").asText() : n.toString();
                } catch (IOException e) {
                    reason = r.fields();
                }
            }
            return new RequestRow(r, reason);
        }
    }

    public record SettingsView(RepoNav nav, Repo repo, List<RequestRow> pending, List<RequestRow> accepted,
                               List<RequestRow> rejected, List<String> namespaces, Map<String, String> gatingChoices) {}

    public void settings(Exchange ex) {
        Repo repo = repos.writable(ex.actor(), ex.repoType(), ex.repoId());
        List<RequestRow> pending = List.of(), accepted = List.of(), rejected = List.of();
        if (repo.isGated()) {
            pending = requests(ex, "pending");
            accepted = requests(ex, "accepted");
            rejected = requests(ex, "rejected");
        }
        Map<String, String> gating = new LinkedHashMap<>();
        gating.put("none", "Not gated: anyone who can see it downloads its files");
        gating.put("auto", "Gated, automatic: a signed-in user who asks gets access at once");
        gating.put("manual", "Gated, manual: you accept or reject each request");
        SettingsView v = new SettingsView(RepoNav.of(pages.links(), repo, "settings", "main", true), repo, pending, accepted, rejected,
                DiscoverPages.namespacesOf(auth, ex.actor()), gating);
        pages.render(ex, 200, "settings.jte", pages.frame(ex, "Settings · " + repo.displayId()), v);
    }

    private List<RequestRow> requests(Exchange ex, String status) {
        return accessRequests.list(ex.actor(), ex.repoType(), ex.repoId(), status, 0, REQUESTS_SHOWN).stream().map(RequestRow::of).toList();
    }

    /** {@code POST /{repo}/settings/{action}}: one form of the settings page. */
    public void settingsAction(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        RepoType type = ex.repoType();
        RepoId id = ex.repoId();
        Links links = pages.links();
        switch (ex.var("action")) {
            case "visibility" -> repos.updateSettings(ex.actor(), type, id, f.text("visibility").equals("private"), null);
            case "gating" -> repos.updateSettings(ex.actor(), type, id, null, switch (f.text("gated")) {
                case "none" -> Gating.NONE;
                case "auto" -> Gating.AUTO;
                case "manual" -> Gating.MANUAL;
                default -> throw ForgeException.badRequest("Gating is none, auto or manual");
            });
            case "access" -> accessRequests.handle(ex.actor(), type, id, f.required("user", "A user"), f.text("status"),
                    f.optional("reason").filter(r -> !r.isBlank()).orElse(null));
            case "grant" -> accessRequests.grant(ex.actor(), type, id, f.required("user", "A user name"));
            case "rename" -> {
                Repo moved = repos.move(ex.actor(), type, id, new RepoId(f.required("namespace", "An owner"), f.required("name", "A name")));
                ex.redirect(303, links.settings(moved));
                return;
            }
            case "delete" -> {
                if (!f.optional("confirm").orElse("").strip().equals(id.toString())) {
                    throw ForgeException.badRequest("Type " + id + " to confirm that it should be deleted");
                }
                repos.delete(ex.actor(), type, id);
                ex.redirect(303, links.user(id.namespace()));
                return;
            }
            default -> throw ForgeException.notFound("No such setting");
        }
        ex.redirect(303, links.settings(repos.readable(ex.actor(), type, id)));
    }
}
