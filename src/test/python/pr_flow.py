# The pull-request flow of huggingface_hub against a Forge, run by dev.forge.e2e.PullRequestE2ETest with each client
# stack (HF_ENDPOINT and the tokens come from the environment). Prints one JSON document of what it observed; the Java
# test checks it. Files are small and regular (the Xet upload path is issue 12's), so hf_xet stays out of the way.
#
#   python pr_flow.py <repo_id> <folder-to-upload>
#   env: CONTRIB (a contributor's token: opens and updates pull requests), WRITER (a writer's token: reviews, merges)
import hashlib
import json
import os
import sys
import threading

from huggingface_hub import CommitOperationAdd, HfApi, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError

repo, folder = sys.argv[1], sys.argv[2]
contrib = HfApi(token=os.environ["CONTRIB"])
writer = HfApi(token=os.environ["WRITER"])
out = {}


def sha(data):
    return hashlib.sha256(data).hexdigest()


def main_file(path):
    with open(hf_hub_download(repo, path, revision="main", token=os.environ["WRITER"]), "rb") as f:
        return sha(f.read())


def failure(call):
    try:
        call()
        return {"failed": False}
    except HfHubHTTPError as e:
        return {"failed": True, "status": e.response.status_code, "message": str(e)}


# 1. open a pull request with create_pr=True, then push a second commit to its ref
notes = b"# Notes\n\nProposed by a contributor.\n"
opened = contrib.create_commit(repo, [CommitOperationAdd("docs/notes.md", notes)], commit_message="Add notes",
                               commit_description="Adds the notes file.", create_pr=True)
out["pr_url"], out["pr_revision"], out["pr_num"] = opened.pr_url, opened.pr_revision, opened.pr_num
second = b"a second commit, pushed to the pull request\n"
contrib.upload_file(path_or_fileobj=second, path_in_repo="second.txt", repo_id=repo, revision=opened.pr_revision,
                    commit_message="Second commit")
num = opened.pr_num

# 2. list it, read it with its diff, comment, edit the comment, rename
listed = list(contrib.get_repo_discussions(repo, discussion_type="pull_request", discussion_status="open"))
out["listed"] = [{"num": d.num, "title": d.title, "status": d.status, "author": d.author, "is_pull_request": d.is_pull_request,
                  "git_reference": d.git_reference} for d in listed]
details = contrib.get_discussion_details(repo, num)
out["details"] = {"status": details.status, "target_branch": details.target_branch, "conflicting_files": details.conflicting_files,
                  "diff": details.diff, "events": [e.type for e in details.events],
                  "commit_subjects": [e.summary for e in details.events if e.type == "commit"],
                  "description": details.events[0].content}
comment = writer.comment_discussion(repo, num, "Looks good. <b>Thanks</b>!")
edited = writer.edit_discussion_comment(repo, num, comment.id, "Looks **great**.")
renamed = contrib.rename_discussion(repo, num, "Add notes and a second file")
out["comment"] = {"id": comment.id, "content": comment.content, "edited": edited.edited, "edited_content": edited.content,
                  "rendered": edited.rendered, "renamed_from": renamed.old_title, "renamed_to": renamed.new_title}
out["contrib_merge"] = failure(lambda: contrib.merge_pull_request(repo, num))

# 3. merge it and read the merged files at main
writer.merge_pull_request(repo, num, comment="Merged, thank you.")
merged = contrib.get_discussion_details(repo, num)
out["merged"] = {"status": merged.status, "merge_commit_oid": merged.merge_commit_oid, "events": [e.type for e in merged.events],
                 "main_sha": writer.repo_info(repo).sha, "notes": main_file("docs/notes.md"), "second": main_file("second.txt")}
out["expected"] = {"notes": sha(notes), "second": sha(second)}

# 4. a conflicting pull request refuses to merge with a clear error and changes nothing
conflicting = contrib.create_commit(repo, [CommitOperationAdd("a.txt", b"the contributor's line\n")], commit_message="Change a",
                                    create_pr=True)
writer.upload_file(path_or_fileobj=b"the writer's line\n", path_in_repo="a.txt", repo_id=repo, commit_message="Writer changes a")
before = writer.repo_info(repo).sha
conflict_details = writer.get_discussion_details(repo, conflicting.pr_num)
out["conflict"] = {"conflicting_files": conflict_details.conflicting_files,
                   "merge": failure(lambda: writer.merge_pull_request(repo, conflicting.pr_num)),
                   "main_unchanged": writer.repo_info(repo).sha == before,
                   "status": writer.get_discussion_details(repo, conflicting.pr_num).status}
writer.change_discussion_status(repo, conflicting.pr_num, "closed", comment="Superseded.")
out["conflict"]["closed"] = writer.get_discussion_details(repo, conflicting.pr_num).status

# 5. two pull requests merged at once: both land
racing = [contrib.create_commit(repo, [CommitOperationAdd(f"race-{i}.txt", f"race {i}\n".encode())], commit_message=f"Race {i}",
                                create_pr=True) for i in (1, 2)]
errors = []


def merge(n):
    try:
        HfApi(token=os.environ["WRITER"]).merge_pull_request(repo, n)
    except Exception as e:  # reported, and the test fails on it
        errors.append(repr(e))


threads = [threading.Thread(target=merge, args=(r.pr_num,)) for r in racing]
for t in threads:
    t.start()
for t in threads:
    t.join()
out["race"] = {"errors": errors, "files": [main_file(f"race-{i}.txt") for i in (1, 2)],
               "expected": [sha(f"race {i}\n".encode()) for i in (1, 2)],
               "statuses": [writer.get_discussion_details(repo, r.pr_num).status for r in racing]}

# 6. upload_folder(create_pr=True): opened through the discussions API as a draft, committed to refs/pr/N, published, merged
folder_commit = contrib.upload_folder(repo_id=repo, folder_path=folder, path_in_repo="folder", commit_message="Upload a folder",
                                      create_pr=True)
folder_pr = int(folder_commit.pr_url.rsplit("/", 1)[1])
out["folder"] = {"status": contrib.get_discussion_details(repo, folder_pr).status,
                 "draft_merge": failure(lambda: writer.merge_pull_request(repo, folder_pr))}
contrib.change_discussion_status(repo, folder_pr, "open")
writer.merge_pull_request(repo, folder_pr)
out["folder"]["merged"] = writer.get_discussion_details(repo, folder_pr).status
out["folder"]["files"] = {name: main_file("folder/" + name) for name in sorted(os.listdir(folder))}

# 7. a discussion (not a pull request), a hidden comment
talk = contrib.create_discussion(repo, "A question about the notes", description="Where do they come from?")
hidden_target = contrib.comment_discussion(repo, talk.num, "an off-topic remark")
hidden = writer.hide_discussion_comment(repo, talk.num, hidden_target.id)
out["discussion"] = {"num": talk.num, "is_pull_request": talk.is_pull_request, "status": talk.status,
                     "hidden": hidden.hidden, "hidden_content": hidden.content,
                     "all": sorted(d.num for d in writer.get_repo_discussions(repo))}
print(json.dumps(out))
