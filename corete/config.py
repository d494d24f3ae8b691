"""Every configuration key with its default.

Order of precedence (lowest first): these defaults, ``instance/config.py``,
environment variables ``CORETE_<KEY>`` (values parsed as JSON when they are JSON,
so ``CORETE_FETCH_ALLOW_NETWORKS='["127.0.0.0/8"]'`` is a list), then the mapping
given to ``create_app(test_config)``.
"""

# --- Flask and the database -------------------------------------------------------
# Required outside tests; `make run` writes a random one into instance/config.py.
SECRET_KEY = None
# None means SQLite in the instance folder (instance/corete.sqlite3); set
# CORETE_SQLALCHEMY_DATABASE_URI=postgresql+psycopg://user@host/db for PostgreSQL.
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # largest request body a citizen or operator may send
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = None  # None: sent over https only when PUBLIC_URL is https

# --- Rate limits (Flask-Limiter), per client address ------------------------------------
# Redis, shared by every web worker and machine, e.g. "redis://127.0.0.1:6379/0". None: each
# process counts on its own (right for one process; with several, a limit of 10 lets
# through 10 per process). Rate limits are what Redis holds.
REDIS_URL = None
RATELIMIT_STORAGE_URI = "memory://"  # REDIS_URL when that is set (or any storage limits knows)
# Redis unreachable: each process counts on its own meanwhile, instead of every login failing.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_HEADERS_ENABLED = True
LOGIN_RATE_LIMIT = "10 per minute"  # failed or not: guessing passwords is slow
VALIDATE_RATE_LIMIT = "20 per minute"  # each validation by URL makes the hub fetch it
VISA_RATE_LIMIT = "60 per minute"  # pass checks from one address (guessing tokens is pointless: they are signed)
BOOKING_RATE_LIMIT = "20 per hour"  # booking requests from one address (a visitor needs no account)
# The validator page fetches what anonymous visitors type: only public addresses, plus these
# networks (CIDR strings; never FETCH_ALLOW_NETWORKS, which opens internal ranges to the
# poller), within this many seconds (a slow address must not hold a web worker).
VALIDATE_ALLOW_NETWORKS = []
VALIDATE_FETCH_DEADLINE = 10.0
# Reverse proxies in front of the hub whose X-Forwarded-For, -Proto, -Host and -Prefix are
# trusted (Werkzeug's ProxyFix). 0: none, the headers are ignored (anyone could send them).
# With one nginx or Caddy in front: 1. Rate limits then count the visitor's address, not
# the proxy's, and links are built with the public scheme and host.
PROXY_HOPS = 0

# --- Several workers and machines -------------------------------------------------------------
# Each web worker looks this often (seconds) whether another one changed what it keeps in
# memory (the map's documents after a moderation, the taxonomy after `corete skills remap`).
SHARED_STATE_CHECK_SECONDS = 1.0

# --- Operations -----------------------------------------------------------------------------------
LOG_FORMAT = "text"  # "json": one JSON object per line (request id, status, duration...)
LOG_LEVEL = "INFO"
# /readyz answers 503 when no scheduler was seen for this many seconds (0: not checked,
# for a hub whose scheduler runs elsewhere and is watched there).
READY_SCHEDULER_SECONDS = 300
# /metrics asks for "Authorization: Bearer <token>" when this is set; None: open to anyone
# who reaches it (keep it behind the proxy, as deploy/nginx.conf does).
METRICS_TOKEN = None
# `corete scheduler` serves its own metrics (polls by outcome, durations) on this port of
# 127.0.0.1; None: not served.
SCHEDULER_METRICS_PORT = None

# --- E-mail (the keys of Flask-Mail; CORETE_MAIL_SERVER etc. in the environment) ---------------
# Messages are written to the outbox (table mail_message) and sent by `corete scheduler`
# (or `corete mail send`). MAIL_SERVER None: nothing is sent, messages wait in the outbox.
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USE_TLS = False  # STARTTLS after connecting (usually port 587)
MAIL_USE_SSL = False  # TLS from the start (usually port 465)
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = None  # "CoRete <hub@corete.example>"; None: corete@localhost
MAIL_TIMEOUT = 30.0  # seconds the SMTP server may take to answer
# The hub's public address for the links in messages, e.g. "https://hub.corete.example/".
# None: PUBLIC_URL, else the address of the request that caused the message.
MAIL_BASE_URL = None
MAIL_MAX_ATTEMPTS = 8  # temporary failures (4xx, server unreachable) retried with backoff, 1 min to 6 h
MAIL_SEND_INTERVAL = 5  # seconds between two looks at the outbox by the scheduler
MAIL_BATCH = 200  # messages leased at a time by one sender
MAIL_LEASE_SECONDS = 300  # a leased message is reserved for this long (renewed before each send)
# Messages done with (sent, failed, refused) are forgotten after this many days (0: kept);
# a newsletter issue is never sent again, whatever is forgotten.
MAIL_KEEP_DAYS = 90

# --- The newsletter -------------------------------------------------------------------------------
# The scheduler sends the monthly newsletter on this day of the month, from this hour
# (network time), covering this many days from that day; and the weekly e-mails of
# followed filters on this weekday (0: Monday) from this hour.
NEWSLETTER_DAY = 1
NEWSLETTER_HOUR = 9
NEWSLETTER_DAYS = 30
FOLLOW_WEEKDAY = 0
FOLLOW_HOUR = 8
NEWSLETTER_CONFIRM_DAYS = 7  # the subscription's confirmation link works this long
NEWSLETTER_RATE_LIMIT = "5 per hour"  # subscriptions a client address may ask for

# --- The map -----------------------------------------------------------------------------------
# A tile server for the map's background, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
# (mind its usage policy) or your own. None: only the offline layer of Italy's regions,
# which is always drawn beneath the tiles and shows when they cannot be reached.
# The hub's own address as its poller reaches it, for the feeds it hosts for spaces with no
# feed of their own (/spaces/<slug>/feed.json). None: the address the operator's browser used.
# A private address must also be in FETCH_ALLOW_NETWORKS.
PUBLIC_URL = None
INVITATION_DAYS = 7  # an operator's invitation link works this long, once
PASSWORD_RESET_HOURS = 2  # a "forgot password" link works this long, once
PASSWORD_RESET_RATE_LIMIT = "5 per hour"  # requests a client address may make
EMAIL_CHANGE_HOURS = 48  # the link confirming a new address works this long
# The street map under the hub's layers: OpenStreetMap's own tile server (its usage policy
# and what visitors' browsers tell it: docs/map.md#the-street-map). "" or None: none, only
# the offline regions (as in the tests and `make run`, which never leave localhost).
OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
MAP_TILES_URL = OSM_TILES_URL
MAP_TILES_ATTRIBUTION = None  # HTML; None with OpenStreetMap's server: its credit; required with any other
# Where `npm ci` put Leaflet and supercluster (None: corete/map/assets/node_modules).
MAP_ASSETS_DIR = None
# The GeoJSON and CSV documents are kept this long per filter combination (and are
# cacheable by browsers as long): 25,000 points take about 0.3 s to build (bench_map.py).
# Moderation clears them at once. 0: never kept, every request builds its document.
MAP_CACHE_SECONDS = 60
# For this many seconds more an expired document is still answered while one background
# thread builds the next, so past the first build no visitor waits for one; new feed data
# shows on the request after that build. 0: the request that finds it expired builds it.
MAP_CACHE_STALE_SECONDS = 300
MAP_EVENTS_DAYS = 60  # the venues layer shows events of the next this many days
MAP_LIST_PAGE_SIZE = 100  # points per layer and page of the list view
PROPOSAL_RATE_LIMIT = "5 per hour"  # proposals a client address may send
REPORT_RATE_LIMIT = "10 per hour"  # reports of published points a client address may send

# --- Languages -----------------------------------------------------------------------
LANGUAGES = ["it", "en"]
BABEL_DEFAULT_LOCALE = "it"
BABEL_DEFAULT_TIMEZONE = "Europe/Rome"

# --- The read API (flask-smorest) ----------------------------------------------------------
API_TITLE = "CoRete hub API"
API_VERSION = "v1"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"
API_PAGE_SIZE = 50
# Occurrences of never-ending series are written this many days ahead (and moved on
# daily by the scheduler); windows past it are expanded on request, more slowly.
EVENTS_HORIZON_DAYS = 730
# Calendar pages as anonymous visitors see them are kept this long per address and
# language in each web worker (new feed data shows after at most this); 0: never kept.
CALENDAR_CACHE_SECONDS = 30
API_MAX_PAGE_SIZE = 500

# --- Fetching member feeds (all of it lives in corete/federation/fetch.py) --------------
FETCH_USER_AGENT = "CoReteHub/0.1 (+https://corete.example/hub; feed poller)"
FETCH_CONNECT_TIMEOUT = 5.0  # seconds to open a connection
FETCH_READ_TIMEOUT = 10.0  # seconds of silence between two reads
FETCH_TOTAL_DEADLINE = 30.0  # hard limit for a whole fetch, whatever the server drips
FETCH_MAX_BYTES = 10 * 1024 * 1024  # body cap, counted after decompression
FETCH_MAX_REDIRECTS = 5
FETCH_MAX_PER_HOST = 2  # concurrent connections to one host
# A fetch waits at most this long for one of those connections; its deadline starts once
# it has one. A feed that waited in vain is polled again soon, with no failure counted.
FETCH_HOST_WAIT = 120.0
# Networks that may be fetched although they are not public (CIDR strings).
# Empty by default: loopback, private, link-local and reserved addresses are refused.
FETCH_ALLOW_NETWORKS = []
# A PEM file of certificate authorities to trust instead of the public ones (a private
# deployment with its own CA). Certificates are always verified.
FETCH_CA_BUNDLE = None

# Categories of events, each with a colour, made of tags: a list of {"key": "workshops",
# "colour": "#b5462b", "tags": ["workshop", "corso"], "it": "Laboratori", "en": "Workshops"};
# None: the defaults of corete/events/categories.py.
EVENT_CATEGORIES = None

# The optional geocoder (corete/map/geocode.py): None keeps every position offline (the
# municipality read from the text). A Nominatim or Photon server's address (its own, or a
# public one whose usage policy the network follows: Nominatim's asks at most 1 request a
# second and a User-Agent naming the application, FETCH_USER_AGENT); a private address must
# be in FETCH_ALLOW_NETWORKS.
GEOCODER_URL = None
GEOCODER_KIND = "nominatim"  # or "photon"
GEOCODER_RATE = 1.0  # requests a second at most
GEOCODER_PER_RUN = 30  # addresses asked per run of the scheduler's job (every minute)
GEOCODER_COUNTRIES = "it"  # Nominatim's countrycodes

# --- Pictures of events (corete/media) ---------------------------------------------------------
# Fetched through the same guarded fetcher as feeds, kept as the hub's own JPEG copies.
PICTURE_MAX_BYTES = 8 * 1024 * 1024  # a fetched picture or an operator's poster
PICTURE_MAX_PIXELS = 40_000_000  # width x height; larger is refused before it is decoded
PICTURES_PER_RUN = 40  # addresses the scheduler fetches a minute at most
# Resources' busy calendars (an iCalendar address in the feed): each read this often, at most
# so many a minute, through the poller's guarded fetcher.
RESOURCE_CALENDAR_MINUTES = 15
RESOURCE_CALENDARS_PER_RUN = 50

# --- Parsing limits ------------------------------------------------------------------------
FEED_MAX_ITEMS = 1000  # the newest are kept
FEED_MAX_JSON_DEPTH = 64

# --- The poller --------------------------------------------------------------------------------
POLL_INTERVAL = 15 * 60  # seconds between two polls of a healthy feed
POLL_JITTER = 0.1  # +-10% on every interval, so feeds spread out over time
POLL_MAX_BACKOFF = 24 * 3600  # longest wait after repeated failures or Retry-After
POLL_WORKERS = 8  # fetch threads of one poller process
# Processes that parse feed bodies beside a poller (0: parse in the fetch threads).
# Parsing is CPU work; the GIL keeps one process's threads on one core.
POLL_PARSE_PROCESSES = 1
POLL_LEASE_SECONDS = 120  # a claimed feed is reserved for this long
POLL_BATCH = 200  # feeds claimed per round
POLL_HISTORY_KEEP = 50  # poll records kept per feed
POLL_REMOVAL_HOLD_RATIO = 0.5  # a poll removing more than this share of items waits for confirmation
FEED_STALE_DAYS = 7  # the console lists spaces none of whose feeds was read for this long
# A feed's operators and the coordinators are e-mailed once when it fails this many times in
# a row or for this many hours (whichever comes first), and once when it is read again.
FEED_ALERT_FAILURES = 3
FEED_ALERT_HOURS = 6
POLL_REDIRECT_CONFIRMATIONS = 3  # permanent redirects seen in a row before the URL changes
SCHEDULER_TICK = 10  # seconds between two looks for due feeds

# --- Push into the hub (corete/push) -------------------------------------------------------------
# A member's ping (or a WebSub notification) moves its feed's next poll to the scheduler's next
# look, but never sooner than this many seconds after its last poll: a site pinging in a loop
# makes the hub read it once a minute at most.
PUSH_MIN_SECONDS = 60
PING_RATE_LIMIT = "30 per minute"  # pings from one client address, signed or not
PING_MAX_SKEW = 300  # seconds a ping's timestamp may be from the hub's clock (replays are older)
# WebSub: the hub subscribes to the hubs member feeds name (needs PUBLIC_URL, the callbacks'
# address). While a subscription is live the feed is polled this often only, a fallback.
WEBSUB_SUBSCRIBE = True
PUSH_POLL_INTERVAL = 3 * 3600
WEBSUB_LEASE_SECONDS = 10 * 24 * 3600  # the lease asked for; the hub decides, and it is renewed before it ends
WEBSUB_VERIFY_WAIT = 3600  # a request the hub has not verified within this many seconds is asked again
# The hub's own WebSub hub (PUBLIC_URL/websub) for its Atom feeds and the feeds it hosts:
# readers subscribe there and are sent each new version (needs PUBLIC_URL).
WEBSUB_PUBLISH = True
WEBSUB_MAX_LEASE_SECONDS = 30 * 24 * 3600  # the longest lease granted (10 days when none is asked)
WEBSUB_HUB_RATE_LIMIT = "60 per hour"  # subscription requests from one client address

# --- The fediverse (corete/fediverse): @calendar@host and @<space>@host as ActivityPub actors ---
FEDIVERSE_ENABLED = True  # needs PUBLIC_URL: actors' addresses are built from it
FEDIVERSE_INBOX_RATE_LIMIT = "120 per minute"  # activities posted to the inboxes from one client address
FEDIVERSE_SIGNATURE_MAX_AGE = 3600  # seconds a signed request's Date may be from the hub's clock
FEDIVERSE_FETCH_DEADLINE = 10.0  # reading another server's key, during an inbox request
FEDIVERSE_DELIVERY_ATTEMPTS = 10  # 2, 4, 8... minutes apart, at most 6 hours: about two days
# A job that sends to other servers or reads from them (WebSub requests and deliveries, the
# fediverse's deliveries, pictures, resources' busy calendars) starts no new request after
# this many seconds of a run; the rest wait, due, for the next run. With one request's FETCH_TOTAL_DEADLINE on top, a run ends well inside
# its job's 10-minute lease, so another scheduler never takes the job while it still sends.
OUTBOUND_SECONDS_PER_RUN = 240.0
# Open purchasing rounds close at their deadline by themselves (the scheduler looks every
# minute); this many days before, spaces whose needs look like a round's products but are
# not in it are reminded (0: no reminders).
ROUND_REMINDER_DAYS = 3
