# The image: the package built as a wheel, its dependencies installed from requirements.lock
# (exact versions, every file checked against its SHA-256), run by an unprivileged user.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY frontend ./frontend
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# PYTHONTZPATH empty: time zones come from the tzdata package that requirements.lock pins, not
# from the base image, so business dates follow the rules this release was tested with.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONTZPATH= \
    CREDIT_REPORT_HOST=0.0.0.0 \
    CREDIT_REPORT_PORT=8000
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes --no-deps -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir --no-deps /tmp/wheels/*.whl && rm -rf /tmp/wheels
# /data holds the SQLite file when no PostgreSQL URL is given (mount a volume there).
# Not --system: a system account must have a uid below 1000, and 10001 stays clear of the
# host's own users when /data is a bind mount.
RUN useradd --uid 10001 --user-group --home-dir /data --create-home --shell /usr/sbin/nologin credit
USER credit
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('CREDIT_REPORT_PORT', '8000') + '/healthz', timeout=4)"]
CMD ["credit-report", "serve"]
