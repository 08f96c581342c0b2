"""Transcribe DataSift's Ruby client's VCR cassettes (every version in its git history) into
ruby_cassettes.json (the format is in README.md): per API version, the interactions in recorded
order, each with method, path, the request parameters (rebuilt from the client tests' inputs where
VCR masked the body), the status, the X-RateLimit-Cost, and the answer with ids, times and account
state masked.

    git clone https://github.com/datasift/datasift-ruby
    python tests/data/recorded/transcribe.py datasift-ruby > tests/data/recorded/ruby_cassettes.json
"""
import base64
import collections
import email.utils
import json
import re
import subprocess
import sys

CSDL = {
    '145ea24a4d83a14ecb9077b831f14809': 'interaction.content contains "test"',
    'e2a073da74a01ccf5ba97cae148e6457': 'interaction.content contains "ruby"',
}
VALID, INVALID = 'interaction.content contains "test"', 'interaction.nonsense is not valid'
LI_SUBSCRIPTION = 'cd99abbc812f646c77bfd8ddf767a134f0b91e84'
PREVIEW_PARAMS = 'language.tag,freqDist,5;interaction.id,targetVol,hour'
S3 = {"output_type": "s3", "output_params": {"bucket": "YOUR_BUCKET_NAME", "directory": "ruby", "acl": "private",
      "delivery_frequency": 0, "max_size": 104857600, "file_prefix": "DataSift",
      "auth": {"access_key": "ADD_YOUR_ACCESS_KEY", "secret_key": "ADD_YOUR_SECRET_KEY"}}}
PULL = {"output_type": "pull", "output_params": {"max_size": 52428800}}
HEX = re.compile(r'[0-9a-f]{20}|[0-9a-f]{32}|[0-9a-f]{40}')
TIME_KEYS = {'created_at', 'updated_at', 'timestamp', 'event_time', 'last_request', 'last_success',
             'estimated_completion', 'expires_at', 'recorded_at', 'request_time'}
STATE_KEYS = {'count', 'pages', 'volume', 'delivery_count', 'quantity', 'remaining_index_capacity',
              'remaining_account_capacity', 'reached_capacity', 'user_id', 'seconds', 'licenses', 'streams',
              'remaining_bytes', 'lost_data', 'progress', 'status_code', 'user'}
DATE = re.compile(r'\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d')


def body(b):
    if not b:
        return ''
    if 'string' in b:
        return b['string']
    return base64.b64decode(b.get('base64_string', '')).decode('utf-8', 'replace')


def jtype(v):
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'boolean'
    if isinstance(v, (int, float)):
        return 'number'
    return {str: 'string', list: 'array', dict: 'object'}[type(v)]


def shape(value):
    """An item of a list of the account's objects: its keys and types (the values are the account's)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, str) and HEX.fullmatch(value):
        return {"$id": value}
    return {"$state": jtype(value)}


def merged(shapes):
    """One shape for every item of a list: a key's types joined (``"null|number"``)."""
    first = shapes[0]
    if not all(isinstance(s, dict) for s in shapes):
        return first
    if set(first) == {"$state"} or set(first) == {"$id"}:
        kinds = []
        for s in shapes:
            kind = s.get("$state") if "$state" in s else "string" if "$id" in s else "object"
            for k in kind.split("|"):
                if k not in kinds:
                    kinds.append(k)
        return first if kinds == ["string"] and "$id" in first else {"$state": "|".join(sorted(kinds))}
    out = {}
    for key in first:
        values = [s[key] for s in shapes if key in s]
        out[key] = merged(values)
    return out


def mask(value, key, echoes):
    """The answer as a fact: ids, times and account state become {"$id"|"$time"|"$state": type}."""
    if isinstance(value, dict) and key in STATE_KEYS:
        return {"$state": "object"}
    if isinstance(value, dict):
        return {k: mask(v, k, echoes) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return {"$each": merged([shape(v) for v in value])}
        return [mask(v, key, echoes) for v in value]
    if value is None or isinstance(value, bool) and key not in STATE_KEYS:
        return value
    if isinstance(value, str) and HEX.fullmatch(value):
        return {"$id": value}
    if key in TIME_KEYS or (isinstance(value, str) and DATE.fullmatch(value)):
        return {"$time": jtype(value)}
    if key in ('start', 'end') and str(value) not in echoes:
        return {"$time": jtype(value)}
    if key in STATE_KEYS or key == 'api_key':
        return {"$state": jtype(value)}
    return value


def version_of(uri):
    m = re.search(r'//[^/]+/v(1(?:\.\d)?)/', uri)
    return m.group(1) if m else None


def when(i):
    return email.utils.parsedate_to_datetime(i['recorded_at']).timestamp()


def cassettes(repo: str) -> list[dict]:
    """Every version of every cassette file in the repository's history."""
    listing = subprocess.run(["git", "-C", repo, "rev-list", "--all", "--objects"], capture_output=True, text=True,
                             check=True).stdout
    out = []
    for line in listing.splitlines():
        sha, _, path = line.partition(" ")
        if not re.search(r"test/fixtures/cassettes/.*\.json$", path):
            continue
        data = subprocess.run(["git", "-C", repo, "cat-file", "-p", sha], capture_output=True, check=True).stdout
        try:
            out.append({"path": path, "interactions": json.loads(data).get("http_interactions", [])})
        except ValueError:
            continue
    return out


def main(CASSETTES):
    by_version = collections.defaultdict(list)
    seen = set()
    # A cassette's interactions in runs (a cassette reused by several tests gains a run per test);
    # runs ordered by their first time, then before_ < the test < after_ (one-second clock).
    segments = []
    for c in CASSETTES:
        name = c['path'].split('cassettes/', 1)[1]
        base = name.rsplit('/', 1)[-1]
        role = 0 if base.startswith('before') else 2 if base.startswith('after') else 1
        run = []
        for i in c['interactions']:
            if run and when(i) - when(run[-1]) > 2:
                segments.append((when(run[0]), role, name, run))
                run = []
            run.append(i)
        if run:
            segments.append((when(run[0]), role, name, run))
    segments.sort(key=lambda s: (s[0], s[1], s[2]))
    # A test's before_ and after_ cassettes stay with it: a before_ segment joins the next segment
    # of the test's own cassette (same name without before_) within 10 s, an after_ segment the
    # previous one; the rest stand alone. Clusters are ordered by their first time.
    def key(name):
        return re.sub(r'/(before|after)_', '/', name)

    tests = [[seg] for seg in segments if seg[1] == 1]
    alone = []
    for seg in segments:
        t, role, name, run = seg
        if role == 1:
            continue
        near = [c for c in tests if key(c[0][2]) == key(name)
                and (0 <= c[0][0] - t <= 10 if role == 0 else 0 <= t - c[0][0] <= 10)]
        if near:
            min(near, key=lambda c: abs(c[0][0] - t)).append(seg)
        else:
            alone.append([seg])
    clusters = tests + alone
    clusters.sort(key=lambda c: (min(s[0] for s in c), min(s[1] for s in c), c[0][2]))
    segments = [seg for c in clusters for seg in sorted(c, key=lambda s: (s[1], s[0]))]
    for t, _role, name, run in segments:
        for i in run:
            rq = i['request']
            v = version_of(rq['uri']) or 'ingest'
            key = (rq['method'], rq['uri'], i['recorded_at'], i['response']['status']['code'])
            if key in seen:
                continue
            seen.add(key)
            by_version[v].append((t, name, i))
    out = {}
    for v, rows in sorted(by_version.items()):
        ctx = Context(rows)
        steps = [ctx.step(n, *r[1:]) for n, r in enumerate(rows)]
        out[v] = steps
    return out


class Context:
    def __init__(self, rows):
        self.rows = rows
        self.last = {}

    def step(self, n, cassette, i):
        rq, rs = i['request'], i['response']
        uri = rq['uri']
        path = re.sub(r'^https?://[^/]+', '', uri)
        raw = body(rq['body'])
        answer_text = body(rs['body'])
        try:
            answer = json.loads(answer_text) if answer_text.strip() else None
        except ValueError:
            answer = answer_text
        endpoint = re.sub(r'\?.*', '', re.sub(r'^/v1(\.\d)?/', '', path)).rstrip('/')
        params, encoding = self.params(endpoint, raw, cassette, answer, n, rs['status']['code'])
        echoes = {str(v) for v in _flat(params)} | set(re.findall(r'=([^&]+)', path))
        self.remember(endpoint, answer)
        cost = (rs['headers'].get('X-Ratelimit-Cost') or [None])[0]
        step = {"cassette": cassette.rsplit('.json', 1)[0], "method": rq['method'].upper(), "path": path,
                "endpoint": _endpoint_name(endpoint), "status": rs['status']['code'],
                "answer": mask(answer, '', echoes) if isinstance(answer, (dict, list)) else answer}
        if params is not None:
            step["params"] = params
            step["encoding"] = encoding
        elif raw == '<BASE64_STRING>':
            step["params_unknown"] = True
        if cost is not None:
            step["cost"] = int(cost)
        return step

    def remember(self, endpoint, answer):
        if not isinstance(answer, dict):
            return
        if endpoint.endswith('compile') and 'hash' in answer:
            self.last['hash'] = answer['hash']
        if endpoint == 'historics/prepare' and 'id' in answer:
            self.last['historics'] = answer['id']
        if endpoint == 'preview/create' and 'id' in answer:
            self.last['preview'] = answer['id']
        if endpoint == 'push/create' and 'id' in answer:
            self.last['push'] = answer['id']
        if endpoint == 'source/create' and 'id' in answer:
            self.last['source'] = answer

    def source_params(self, endpoint, cassette, a, n, status):
        if endpoint == 'source/create':
            return _source_create(cassette)
        last = self.last.get('source') or {}
        sid = last.get('id')
        if endpoint == 'source/update':
            return {"id": sid, "source_type": last.get('source_type'), "name": "New Name",
                    "parameters": last.get('parameters'), "resources": last.get('resources'),
                    "auth": last.get('auth')}
        if endpoint in ('source/start', 'source/stop', 'source/log'):
            return {"id": sid}
        if endpoint == 'source/auth/add':
            return {"id": sid, "auth": [{"parameters": {"value": IG_TOKENS[1]}}], "validate": False}
        if endpoint == 'source/auth/remove':
            return {"id": sid, "auth_ids": [(last.get('auth') or [{}])[0].get('identity_id')]}
        if endpoint == 'source/resource/add':
            return {"id": sid, "resources": [{"parameters": {"type": "tag", "value": IG_TAGS[1]}}],
                    "validate": False}
        if endpoint == 'source/resource/remove':
            return {"id": sid, "resource_ids": [(last.get('resources') or [{}])[0].get('resource_id')]}
        return None

    def lookahead(self, n, endpoint):
        for _, _, i in self.rows[n + 1:]:
            if endpoint in i['request']['uri'] and i['response']['status']['code'] < 300:
                try:
                    return json.loads(body(i['response']['body']))
                except ValueError:
                    return None
        return None

    def params(self, endpoint, raw, cassette, answer, n, status):
        if raw and raw != '<BASE64_STRING>':
            try:
                return json.loads(raw), 'json'
            except ValueError:
                return dict(re.findall(r'([^&=]+)=([^&]*)', raw)), 'form'
        if raw != '<BASE64_STRING>':
            return None, None
        a = answer if isinstance(answer, dict) else {}
        for prefix, rebuild in (('source/', self.source_params), ('push/', self.push_params),
                                ('historics/', self.historics_params), ('preview/', self.preview_params),
                                ('account/', self.account_params), ('pylon/linkedin/task', self.task_params)):
            if endpoint.startswith(prefix):
                found = rebuild(endpoint, cassette, a, n, status)
                return (found, 'json') if found is not None else (None, None)
        found = self.core_params(endpoint, cassette, a, n, status)
        return (found, 'json') if found is not None else (None, None)

    def core_params(self, endpoint, cassette, a, n, status):
        if endpoint in ('compile', 'validate', 'analysis/compile', 'pylon/compile'):
            return {"csdl": INVALID} if status >= 400 else {"csdl": CSDL.get(a.get('hash'), VALID)}
        if endpoint == 'dpu':
            if 'historic' in cassette:
                return {"historics_id": self.last.get('historics')}
            return {"hash": 'this_is_not_a_valid_stream_hash'} if status >= 400 else {"hash": self.last.get('hash')}
        if endpoint in ('usage', 'balance'):
            return {}
        return None

    def historics_params(self, endpoint, cassette, a, n, status):
        h = self.last.get('hash')
        if endpoint == 'historics/prepare':
            if 'core/' in cassette:
                return {"hash": h, "start": 1477958400, "end": 1477962000, "name": "Ruby test suite",
                        "sources": "tumblr", "sample": 10}
            return {"hash": h, "start": 1477958400, "end": 1478044800, "name": "Historics name", "sources": "tumblr"}
        if endpoint == 'historics/update':
            return {"id": self.last.get('historics'), "name": "New Historics query name"}
        if endpoint in ('historics/start', 'historics/stop', 'historics/pause', 'historics/resume'):
            return {"id": self.last.get('historics')}
        return None

    def preview_params(self, endpoint, cassette, a, n, status):
        if endpoint == 'preview/create':
            later = self.lookahead(n, 'preview/get') or {}
            return {"hash": self.last.get('hash'), "sources": later.get('feeds', 'tumblr'), "parameters": PREVIEW_PARAMS,
                    "start": later.get('start', 1477958400), "end": later.get('end', 1478044800)}
        return {"id": self.last.get('preview')} if endpoint == 'preview/get' else None

    def account_params(self, endpoint, cassette, a, n, status):
        if endpoint == 'account/identity':
            return {"label": a.get('label', 'minitest'), "status": "active", "master": False}
        if endpoint.endswith('/limit') or '/limit/' in endpoint:
            if status == 400 and 'service' in str(a):
                return {"service": "twitter", "total_allowance": 100000, "analyze_queries": 50}
            return {"service": a.get('service', 'facebook'), "total_allowance": a.get('total_allowance', 100000),
                    "analyze_queries": a.get('analyze_queries', 50)}
        if endpoint.startswith('account/identity/') and '/token' not in endpoint:
            return {"label": a.get('label', 'minitest-update')}
        return None

    def push_params(self, endpoint, cassette, a, n, status):
        if endpoint == 'push/validate':
            return dict(S3)
        if endpoint == 'push/create':
            fields = dict(PULL) if a.get('output_type') == 'pull' else dict(S3)
            if isinstance(a.get('output_params'), dict) and a.get('output_type') == 's3':
                fields["output_params"] = {**a['output_params'], "auth": S3["output_params"]["auth"]}
            if a.get('hash_type') == 'historic':
                return {**fields, "historics_id": a.get('hash'), "name": a.get('name')}
            return {**fields, "hash": self.last.get('hash'), "name": a.get('name', 'Ruby Push Example')}
        if endpoint in ('push/pause', 'push/resume', 'push/stop'):
            return {"id": self.last.get('push')}
        if endpoint == 'push/update':
            return {"id": self.last.get('push'), "name": a.get('name', 'Ruby Push Example Updated')}
        return None

    def task_params(self, endpoint, cassette, a, n, status):
        if endpoint != 'pylon/linkedin/task':
            return None
        if 'strategy' in cassette:
            return {"subscription_id": LI_SUBSCRIPTION, "name": "Ruby client test - top domains",
                    "type": "strategy", "parameters": {"strategy": "top_domains", "version": 1, "parameters": {
                        "comparison_audience": "global", "audience": {"industries": ["internet"]}}}}
        return {"subscription_id": LI_SUBSCRIPTION, "name": "Ruby Client FreqDist Task", "type": "analysis",
                "parameters": {"filter": "", "start": 1515533965, "end": 1516138765, "parameters": {
                    "analysis_type": "freqDist", "parameters": {"threshold": 5, "target": "li.user.member.metro_area"}}}}


IG_TOKENS = ['458583326.0092129.a61ea13a945524651bacfd31f943a4ab', '458336276.0022012.a61a333a94524465b6acfd93f94340ab']
IG_TAGS = ['nofilter', 'instagram']


def _source_create(cassette):
    if 'odp/' in cassette:
        return {"source_type": "twitter_gnip", "name": "Ruby ODP API", "parameters": {},
                "resources": [{"parameters": {"mapping": "gnip_1"}}]}
    auths = 2 if 'auth/before_remove' in cassette else 1
    tags = 2 if 'resource/before_remove' in cassette else 1
    return {"source_type": "instagram", "name": "Ruby Test IG", "parameters": {"comments": False, "likes": False},
            "resources": [{"parameters": {"type": "tag", "value": t}} for t in IG_TAGS[:tags]],
            "auth": [{"parameters": {"value": t}} for t in IG_TOKENS[:auths]], "validate": False}


def _flat(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _flat(v)
    elif isinstance(value, list):
        for v in value:
            yield from _flat(v)
    elif value is not None:
        yield value


def _endpoint_name(endpoint):
    e = re.sub(r'/[0-9a-f]{20,}', '/<id>', endpoint)
    e = re.sub(r'account/identity/(fake_id|unknown_identity_id|INVALID_IDENTITY_ID)', 'account/identity/<id>', e)
    if not e or re.fullmatch(r'/?[0-9a-f_a-z]+', e) and '/' not in e.strip('/') and e not in (
            'validate', 'compile', 'dpu', 'usage', 'balance', 'pull'):
        return 'ingest/<source_id>'
    return e


ABOUT = ("DataSift's API as its official Ruby client recorded it (VCR cassettes of github.com/datasift/datasift-ruby, "
         "every version in its history, 2015-2018), transcribed as facts: per API version, the interactions in recorded "
         "order. See README.md.")


def write(data: dict, out) -> None:
    """One interaction per line, so that a change shows as a line in a diff."""
    out.write('{"about": %s,\n "versions": {\n' % json.dumps(ABOUT))
    versions = list(data.items())
    for k, (version, steps) in enumerate(versions):
        out.write('  %s: [\n' % json.dumps(version))
        out.write(',\n'.join('   ' + json.dumps(step, ensure_ascii=False) for step in steps))
        out.write('\n  ]' + (',' if k < len(versions) - 1 else '') + '\n')
    out.write(' }}\n')


if __name__ == '__main__':
    write(main(cassettes(sys.argv[1])), sys.stdout)
