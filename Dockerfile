# One image for every process; the process is chosen by its arguments:
#   yuqing serve ingest|grading|dispatch|publish|gateway   (the Deployments)
#   yuqing migrate                                          (the migration Job)
#   yuqing wait-for-schema <name>                           (each Deployment's init container)
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY yuqing yuqing
COPY services services
COPY gateway gateway
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim-bookworm
# fonts-noto-cjk: the bulletins' charts are labelled in Chinese.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin yuqing
COPY --from=build /opt/venv /opt/venv
# The source tree as well: migrations and templates are read from it at run time.
COPY --chown=root:root yuqing /app/yuqing
COPY --chown=root:root services /app/services
COPY --chown=root:root gateway /app/gateway
COPY --chown=root:root protos /app/protos
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib YQ_DATA_DIR=/tmp/yuqing YQ_ENVIRONMENT=production
USER 10001:10001
ENTRYPOINT ["python", "-m", "yuqing.cli"]
CMD ["serve", "gateway"]
