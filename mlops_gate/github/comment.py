"""The sticky PR comment: one per policy, found by its marker, created once, then edited in place.

Two jobs of the same pull request may post at once (a push while the previous run is still going).
Both may list, see nothing and create. So after creating, a job lists again and keeps only the
*oldest* comment with the marker: it writes its body there and deletes the others. Comment ids grow
with time and the oldest is never deleted by anyone (each job deletes only comments newer than one
it saw), and every job that created a comment re-lists after the oldest existed, so whatever the
interleaving exactly one comment is left. Deleting one that another job already deleted (404) is
fine; if the oldest vanished under us (a job saw an even older one), we simply look again.

Only comments written by the token's own account count, so nobody can plant a marker in a
comment of their own and have the report (or its "what changed" snapshot) taken from it. The
account is read from `GET /user`; the Actions `GITHUB_TOKEN` may not read that, and then any bot
account counts until our first created comment tells us the exact login.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_gate.github.client import GitHubClient, GitHubError
from mlops_gate.reports import snapshot

if TYPE_CHECKING:
    from github.Issue import Issue
    from github.IssueComment import IssueComment

_ROUNDS = 3


@dataclass(frozen=True)
class Posted:
    """The comment that now holds the report."""

    comment_id: int
    url: str
    created: bool
    duplicates_removed: int


class StickyComment:
    """The comment of one policy on one pull request (GitHub calls a PR's conversation an issue)."""

    def __init__(
        self,
        client: GitHubClient,
        repository: str,
        number: int,
        policy_name: str,
        author: str | None = None,
    ) -> None:
        self._client = client
        self._issue: Issue = client.repository(repository).get_issue(number)  # lazy: no request
        self._policy = policy_name
        self._author = author

    def find(self) -> list[IssueComment]:
        """Our comments for this policy, oldest first (normally one; none before the first post)."""
        author = self._who()
        comments = self._client.call(
            "list the pull request's comments", lambda: list(self._issue.get_comments())
        )
        ours = [c for c in comments if self._is_ours(c, author)]
        return sorted(ours, key=lambda c: c.id)

    @staticmethod
    def previous(found: list[IssueComment]) -> snapshot.Snapshot | None:
        """The results snapshot in the comment we are about to replace, if any."""
        return snapshot.decode(found[0].body or "") if found else None

    def publish(self, body: str, found: list[IssueComment]) -> Posted:
        """Make `body` the one sticky comment; `found` is what `find` returned for this body."""
        created: IssueComment | None = None
        for _ in range(_ROUNDS):
            if not found:
                created = self._create(body)
                found = self._relist(created)
            keeper = found[0]
            if not self._edit(keeper, body):
                found = self.find()  # the oldest went away under us: look again
                continue
            removed = self._delete(found[1:])
            was_created = created is not None and created.id == keeper.id
            return Posted(keeper.id, keeper.html_url, was_created, removed)
        raise GitHubError(f"GitHub: the sticky comment kept changing under us ({_ROUNDS} tries)")

    def _who(self) -> str:
        """The login our comments are written by; "" when the token may not say (then: any bot)."""
        if self._author is None:
            github = self._client.github
            try:
                self._author = self._client.call(
                    "read the token's account", lambda: github.get_user().login
                )
            except GitHubError as exc:
                if exc.status not in (403, 404):
                    raise
                self._author = ""
        return self._author

    def _is_ours(self, comment: IssueComment, author: str) -> bool:
        if not snapshot.has_marker(comment.body or "", self._policy):
            return False
        user = comment.user
        return user.login == author if author else user.type == "Bot"

    def _create(self, body: str) -> IssueComment:
        created = self._client.call(
            "create the sticky comment", lambda: self._issue.create_comment(body)
        )
        self._author = created.user.login  # now we know exactly who we are
        return created

    def _relist(self, created: IssueComment) -> list[IssueComment]:
        """List again after creating: another job may have created one at the same moment."""
        found = self.find()
        if all(c.id != created.id for c in found):  # a list that lags behind our own write
            found = sorted([*found, created], key=lambda c: c.id)
        return found

    def _edit(self, comment: IssueComment, body: str) -> bool:
        """Write `body` into `comment`; False when it was deleted meanwhile."""
        if comment.body == body:
            return True
        try:
            self._client.call("update the sticky comment", lambda: comment.edit(body))
        except GitHubError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def _delete(self, duplicates: list[IssueComment]) -> int:
        removed = 0
        for comment in duplicates:
            try:
                self._client.call("delete a duplicate sticky comment", comment.delete)
                removed += 1
            except GitHubError as exc:
                if exc.status != 404:  # already deleted by the other job: that is the goal
                    raise
        return removed
