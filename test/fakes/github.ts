// A local stand-in for the parts of the GitHub REST and GraphQL APIs that the action uses.
// It shares no code with src/ on purpose.
import { json, matchPath, startFakeServer } from './http.ts';
import type { IncomingRequest, RecordedRequest, Reply } from './http.ts';

export type { RecordedRequest } from './http.ts';

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string };
  html_url: string;
  created_at: string;
  updated_at: string;
}

export interface GitHubScenario {
  token: string;
  /** The token's own login, default 'github-actions[bot]'. */
  login?: string;
  /** Default 'acme/invoices'. */
  repository?: string;
  /** Pre-existing comments, in order. */
  comments?: Array<{ issue: number; body: string; login: string }>;
  /** POST/PATCH of comments answer 403 "Resource not accessible by integration". */
  refuseWrites?: boolean;
  /** Pull requests and their head commits (GET /repos/{o}/{r}/pulls/{n}). */
  pulls?: Array<{ number: number; headSha: string }>;
  /** The first N REST requests answer 502. */
  serverErrors?: number;
  /** The first N REST requests (after any server errors) hit the secondary rate limit (403 + Retry-After: 1). */
  secondaryRateLimits?: number;
}

export interface FakeGitHub {
  url: string;
  requests: RecordedRequest[];
  /** The issue's comments, oldest first (copies). */
  comments(issue: number): FakeComment[];
  /** The comment most recently created or updated through the API, if any. */
  lastWrittenComment(): FakeComment | undefined;
  close(): Promise<void>;
}

export const MAX_COMMENT_LENGTH = 65_536;
/** The numeric id GitHub puts in `Link` URLs (`/repositories/{id}/...`). */
export const FAKE_REPOSITORY_ID = 123_456_789;

const DOCS = 'https://docs.github.com/rest';

interface StoredComment {
  issue: number;
  comment: FakeComment;
}

/** GitHub timestamps have whole seconds. */
function githubTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function message(status: number, text: string, extra?: Record<string, unknown>): Reply {
  return json(status, { message: text, documentation_url: DOCS, ...extra });
}

export async function startFakeGitHub(
  scenario: GitHubScenario,
  listen: { port?: number } = {},
): Promise<FakeGitHub> {
  let restRequests = 0;
  const login = scenario.login ?? 'github-actions[bot]';
  const repository = scenario.repository ?? 'acme/invoices';
  const [owner = '', repo = ''] = repository.split('/');
  const stored: StoredComment[] = [];
  let nextId = 1000;
  let lastWrittenId: number | undefined;

  const startedAt = Date.now();
  const initial = scenario.comments ?? [];
  initial.forEach((c, i) => {
    const at = githubTime(startedAt - (initial.length - i) * 60_000);
    const id = nextId++;
    stored.push({
      issue: c.issue,
      comment: {
        id,
        body: c.body,
        user: { login: c.login },
        html_url: htmlUrl(c.issue, id),
        created_at: at,
        updated_at: at,
      },
    });
  });

  function htmlUrl(issue: number, id: number): string {
    return `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${id}`;
  }

  function commentJson(origin: string, entry: StoredComment): Record<string, unknown> {
    const { comment } = entry;
    return {
      id: comment.id,
      node_id: `IC_fake${comment.id}`,
      url: `${origin}/repos/${owner}/${repo}/issues/comments/${comment.id}`,
      issue_url: `${origin}/repos/${owner}/${repo}/issues/${entry.issue}`,
      html_url: comment.html_url,
      body: comment.body,
      user: {
        login: comment.user.login,
        id: 41_898_282,
        type: comment.user.login.endsWith('[bot]') ? 'Bot' : 'User',
      },
      author_association: comment.user.login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
      created_at: comment.created_at,
      updated_at: comment.updated_at,
    };
  }

  function authorized(req: IncomingRequest): boolean {
    const match = /^(?:token|bearer)\s+(.+)$/i.exec((req.headers.authorization ?? '').trim());
    return match?.[1] === scenario.token;
  }

  function sameRepo(params: Record<string, string>): boolean {
    return (
      params.owner?.toLowerCase() === owner.toLowerCase() &&
      params.repo?.toLowerCase() === repo.toLowerCase()
    );
  }

  function validateBody(req: IncomingRequest): Reply | string {
    if (!req.jsonOk) return message(400, 'Problems parsing JSON');
    const body = (req.body as { body?: unknown } | undefined)?.body;
    if (typeof body !== 'string') {
      return message(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
    }
    // GitHub counts characters (code points), not UTF-16 units or bytes.
    if ([...body].length > MAX_COMMENT_LENGTH) {
      return message(422, 'Validation Failed', {
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`,
          },
        ],
      });
    }
    return body;
  }

  function listComments(req: IncomingRequest, origin: string, issue: number, base: string): Reply {
    const all = stored.filter((s) => s.issue === issue);
    const perPageAsked = Number.parseInt(req.query.per_page ?? '', 10);
    const perPage =
      Number.isNaN(perPageAsked) || perPageAsked < 1 ? 30 : Math.min(perPageAsked, 100);
    const pageAsked = Number.parseInt(req.query.page ?? '', 10);
    const page = Number.isNaN(pageAsked) || pageAsked < 1 ? 1 : pageAsked;
    const lastPage = Math.max(1, Math.ceil(all.length / perPage));
    const rows = all.slice((page - 1) * perPage, page * perPage).map((s) => commentJson(origin, s));

    // Like GitHub, the links point at the /repositories/{id}/ form of the route.
    const linkFor = (p: number): string => {
      const params = new URLSearchParams();
      if (req.query.per_page !== undefined) params.set('per_page', String(perPage));
      params.set('page', String(p));
      return `${origin}${base}?${params.toString()}`;
    };
    const links: string[] = [];
    if (page > 1) {
      links.push(`<${linkFor(Math.min(page - 1, lastPage))}>; rel="prev"`);
    }
    if (page < lastPage) {
      links.push(`<${linkFor(page + 1)}>; rel="next"`, `<${linkFor(lastPage)}>; rel="last"`);
    }
    if (page > 1) links.push(`<${linkFor(1)}>; rel="first"`);
    return links.length === 0 ? json(200, rows) : json(200, rows, { link: links.join(', ') });
  }

  function createComment(req: IncomingRequest, origin: string, issue: number): Reply {
    if (scenario.refuseWrites) return message(403, 'Resource not accessible by integration');
    const body = validateBody(req);
    if (typeof body !== 'string') return body;
    const id = nextId++;
    const at = githubTime(Date.now());
    const entry: StoredComment = {
      issue,
      comment: {
        id,
        body,
        user: { login },
        html_url: htmlUrl(issue, id),
        created_at: at,
        updated_at: at,
      },
    };
    stored.push(entry);
    lastWrittenId = id;
    return json(201, commentJson(origin, entry), {
      location: `${origin}/repos/${owner}/${repo}/issues/comments/${id}`,
    });
  }

  function updateComment(req: IncomingRequest, origin: string, id: number): Reply {
    const entry = stored.find((s) => s.comment.id === id);
    if (entry === undefined) return message(404, 'Not Found');
    if (scenario.refuseWrites) return message(403, 'Resource not accessible by integration');
    const body = validateBody(req);
    if (typeof body !== 'string') return body;
    entry.comment.body = body;
    entry.comment.updated_at = githubTime(Date.now());
    lastWrittenId = id;
    return json(200, commentJson(origin, entry));
  }

  const server = await startFakeServer({
    requestIdHeader: 'x-github-request-id',
    requestId: (n) => `FA4E:${String(n).padStart(6, '0')}:1:2:3`,
    ...listen,
    handle: (req, origin) => {
      if (!authorized(req)) return message(401, 'Bad credentials');
      let params: Record<string, string> | null;

      if (req.path !== '/graphql') {
        restRequests += 1;
        const errors = scenario.serverErrors ?? 0;
        if (restRequests <= errors) return message(502, 'Server Error');
        if (restRequests <= errors + (scenario.secondaryRateLimits ?? 0)) {
          return json(
            403,
            {
              message:
                'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
              documentation_url:
                'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
            },
            { 'retry-after': '1' },
          );
        }
      }

      if (req.path === '/graphql') {
        if (req.method !== 'POST') return message(404, 'Not Found');
        const query = (req.body as { query?: unknown } | undefined)?.query;
        if (typeof query === 'string' && /\bviewer\s*\{\s*login\b/.test(query)) {
          return json(200, { data: { viewer: { login } } });
        }
        return json(200, { errors: [{ message: 'This fake only answers `viewer { login }`' }] });
      }

      // The workflow's GITHUB_TOKEN is an installation token: GET /user is refused.
      if (req.path === '/user' && req.method === 'GET') {
        return message(403, 'Resource not accessible by integration');
      }

      params = matchPath('/repos/:owner/:repo/pulls/:number', req.path);
      if (params !== null && req.method === 'GET') {
        const pull = (scenario.pulls ?? []).find((p) => p.number === Number(params?.number));
        if (!pull) return message(404, 'Not Found');
        return json(200, {
          number: pull.number,
          state: 'open',
          head: { sha: pull.headSha, repo: { full_name: 'someone/invoices-fork' } },
          base: { sha: '0'.repeat(40), repo: { full_name: repository } },
        });
      }

      params = matchPath('/repos/:owner/:repo/issues/:issue/comments', req.path);
      if (params !== null && sameRepo(params) && /^\d+$/.test(params.issue ?? '')) {
        const issue = Number(params.issue);
        if (req.method === 'GET') {
          return listComments(
            req,
            origin,
            issue,
            `/repositories/${FAKE_REPOSITORY_ID}/issues/${issue}/comments`,
          );
        }
        if (req.method === 'POST') return createComment(req, origin, issue);
      }

      params = matchPath('/repositories/:id/issues/:issue/comments', req.path);
      if (
        params !== null &&
        params.id === String(FAKE_REPOSITORY_ID) &&
        /^\d+$/.test(params.issue ?? '') &&
        req.method === 'GET'
      ) {
        return listComments(req, origin, Number(params.issue), req.path);
      }

      params = matchPath('/repos/:owner/:repo/issues/comments/:id', req.path);
      if (params !== null && sameRepo(params) && /^\d+$/.test(params.id ?? '')) {
        const id = Number(params.id);
        if (req.method === 'PATCH') return updateComment(req, origin, id);
        if (req.method === 'GET') {
          const entry = stored.find((s) => s.comment.id === id);
          return entry === undefined
            ? message(404, 'Not Found')
            : json(200, commentJson(origin, entry));
        }
      }

      return message(404, 'Not Found');
    },
  });

  const copy = (c: FakeComment): FakeComment => ({ ...c, user: { ...c.user } });
  return {
    url: server.url,
    requests: server.requests,
    comments: (issue) => stored.filter((s) => s.issue === issue).map((s) => copy(s.comment)),
    lastWrittenComment: () => {
      const entry = stored.find((s) => s.comment.id === lastWrittenId);
      return entry === undefined ? undefined : copy(entry.comment);
    },
    close: () => server.close(),
  };
}
