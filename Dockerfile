# The govreports application image: `govreports serve` by default, `govreports watch` in compose.
# Elasticsearch runs in its own container (docker-compose.yml), so this image needs no JDK.
FROM python:3.11-slim-bookworm

# The project's Debian packages, less those for running a local Elasticsearch or driving a
# browser in tests: the image talks to the compose file's Elasticsearch instead.
COPY scripts/system-packages.txt /tmp/system-packages.txt
RUN packages=$(sed -e 's/#.*//' /tmp/system-packages.txt \
        | grep -vxE '[[:space:]]*|openjdk-.*|maven|acl|chromium.*|fonts-.*' || true) \
    && if [ -n "$packages" ]; then \
        apt-get update && apt-get install -y --no-install-recommends $packages \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && rm /tmp/system-packages.txt

WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir /app \
    && useradd --system --create-home --home-dir /home/govreports govreports \
    && mkdir -p /data && chown govreports:govreports /data

USER govreports
ENV GOVREPORTS_DATA_DIR=/data \
    GOVREPORTS_ES_URL=http://elasticsearch:9200
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["govreports"]
CMD ["serve", "--host", "0.0.0.0", "--access-log"]
