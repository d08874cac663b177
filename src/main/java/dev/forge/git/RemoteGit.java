package dev.forge.git;

import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

import java.io.IOException;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Git over smart HTTP to another hub, for mirrors: fetching a remote repository's branches and tags into the
 * {@link GitRepositories#STAGING_PREFIX staging area} of a local one (objects arrive with their ids unchanged, so
 * commit ids stay equal), listing a remote's refs, and pushing local refs to it. A token, when given, is sent as the
 * password of HTTP basic authentication, as git clients send it to the Hub.
 */
public final class RemoteGit {
    private final GitRepositories git;

    public RemoteGit(GitRepositories git) {
        this.git = git;
    }

    /** A remote refused or failed the transfer; {@code notFound} when it said the repository does not exist (or is not ours to see). */
    public static final class RemoteException extends IOException {
        private final boolean notFound;
        private final boolean unauthorized;

        RemoteException(String message, Throwable cause, boolean notFound, boolean unauthorized) {
            super(message, cause);
            this.notFound = notFound;
            this.unauthorized = unauthorized;
        }

        public boolean notFound() { return notFound; }

        public boolean unauthorized() { return unauthorized; }
    }

    /**
     * Fetches the remote's branches and tags into the staging area of {@code key}: afterwards the staged refs equal
     * the remote's exactly (a ref deleted upstream is deleted from the staging area, a force-pushed one moves there);
     * the repository's own refs do not move.
     */
    public void fetchToStaging(String key, String url, String token) throws IOException {
        Repository repo = git.repository(key);
        try (Transport t = open(repo, url, token)) {
            t.setRemoveDeletedRefs(true);
            t.setCheckFetchedObjects(true);
            t.setTagOpt(org.eclipse.jgit.transport.TagOpt.NO_TAGS);
            t.fetch(NullProgressMonitor.INSTANCE, List.of(
                    new RefSpec("+refs/heads/*:" + GitRepositories.STAGING_PREFIX + "heads/*"),
                    new RefSpec("+refs/tags/*:" + GitRepositories.STAGING_PREFIX + "tags/*")));
        } catch (org.eclipse.jgit.errors.TransportException e) {
            throw remoteFailure(url, e);
        } finally {
            git.refsChanged(key);
        }
    }

    /** The remote's branches and tags (full names) and the objects they point at; empty for an empty repository. */
    public Map<String, String> remoteRefs(String key, String url, String token) throws IOException {
        Repository repo = git.repository(key);
        Map<String, String> out = new LinkedHashMap<>();
        try (Transport t = open(repo, url, token); FetchConnection c = t.openFetch()) {
            for (Ref r : c.getRefs()) {
                if (r.isSymbolic() || r.getObjectId() == null) continue;
                if (!r.getName().startsWith("refs/heads/") && !r.getName().startsWith("refs/tags/")) continue;
                out.put(r.getName(), r.getObjectId().name());
            }
        } catch (org.eclipse.jgit.errors.TransportException e) {
            throw remoteFailure(url, e);
        }
        return out;
    }

    /** One ref to push: the local ref's name (also the remote's), the object to send, whether to replace any value. */
    public record PushRef(String name, String newId, String expectedRemote, boolean force) {}

    /** How the remote answered one ref of a push: {@code ok}, or the reason it was not applied. */
    public record Pushed(String name, boolean ok, String status) {}

    /** Pushes refs of {@code key} to the remote; each ref is applied or refused on its own. */
    public List<Pushed> push(String key, String url, String token, List<PushRef> refs) throws IOException {
        Repository repo = git.repository(key);
        List<RemoteRefUpdate> updates = new ArrayList<>();
        for (PushRef r : refs) {
            ObjectId expected = r.expectedRemote() == null ? null : ObjectId.fromString(r.expectedRemote());
            updates.add(new RemoteRefUpdate(repo, r.newId(), r.name(), r.force(), null, r.force() ? null : expected));
        }
        List<Pushed> out = new ArrayList<>();
        try (Transport t = open(repo, url, token)) {
            PushResult result = t.push(NullProgressMonitor.INSTANCE, updates);
            for (RemoteRefUpdate u : result.getRemoteUpdates()) {
                RemoteRefUpdate.Status s = u.getStatus();
                boolean ok = s == RemoteRefUpdate.Status.OK || s == RemoteRefUpdate.Status.UP_TO_DATE;
                String why = u.getMessage() == null ? s.name().toLowerCase(java.util.Locale.ROOT) : s.name().toLowerCase(java.util.Locale.ROOT) + ": " + u.getMessage();
                out.add(new Pushed(u.getRemoteName(), ok, ok ? "ok" : why));
            }
        } catch (org.eclipse.jgit.errors.TransportException e) {
            throw remoteFailure(url, e);
        }
        return out;
    }

    /** Whether {@code ancestor} is {@code descendant} or one of its ancestors (false when either is not a commit here). */
    public boolean isAncestor(String key, String ancestor, String descendant) throws IOException {
        try (RevWalk walk = new RevWalk(git.repository(key))) {
            RevCommit a = walk.parseCommit(ObjectId.fromString(ancestor));
            RevCommit d = walk.parseCommit(ObjectId.fromString(descendant));
            return walk.isMergedInto(a, d);
        } catch (MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
            return false;
        }
    }

    /** Whether the object exists in the local repository. */
    public boolean has(String key, String id) throws IOException {
        return git.repository(key).getObjectDatabase().has(ObjectId.fromString(id));
    }

    private static Transport open(Repository repo, String url, String token) throws IOException {
        URIish uri;
        try {
            uri = new URIish(url);
        } catch (URISyntaxException e) {
            throw new IOException("not a git URL: " + url, e);
        }
        Transport t = Transport.open(repo, uri);
        t.setTimeout(120);
        if (token != null && !token.isEmpty()) t.setCredentialsProvider(new UsernamePasswordCredentialsProvider("mirror", token));
        else t.setCredentialsProvider(new UsernamePasswordCredentialsProvider("", "")); // no prompt: fail fast when asked
        return t;
    }

    private static RemoteException remoteFailure(String url, org.eclipse.jgit.errors.TransportException e) {
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(java.util.Locale.ROOT);
        boolean notFound = lower.contains("not found") || lower.contains("404");
        boolean unauthorized = lower.contains("not authorized") || lower.contains("authentication") || lower.contains("401")
                || lower.contains("403");
        // the URL is ours (no credentials in it); JGit's message may repeat it
        return new RemoteException("git transfer with " + url + " failed: " + m, e, notFound, unauthorized);
    }
}
