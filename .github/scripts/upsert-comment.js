// Creates or updates the one pull-request comment that starts with `marker` (a hidden HTML
// comment), so each run replaces its previous report instead of adding another comment.
// Used from actions/github-script:
//   await require('./.github/scripts/upsert-comment.js')({ github, context, marker, body })

/** The first comment whose body starts with the marker, or undefined. */
function findMarkedComment(comments, marker) {
  return comments.find((comment) => typeof comment.body === 'string' && comment.body.startsWith(marker));
}

async function upsertComment({ github, context, marker, body }) {
  const text = body.startsWith(marker) ? body : `${marker}\n${body}`;
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const existing = findMarkedComment(comments, marker);
  if (existing) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body: text });
    return { action: 'updated', id: existing.id };
  }
  const created = await github.rest.issues.createComment({ owner, repo, issue_number, body: text });
  return { action: 'created', id: created.data.id };
}

module.exports = upsertComment;
module.exports.findMarkedComment = findMarkedComment;
