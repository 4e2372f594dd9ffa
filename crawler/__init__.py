"""The crawler: find and fetch every 政府信息公开工作年度报告 from government portals.

    from crawler.run import crawl
    summary = crawl(settings, sites, out=None, polite=True)   # -> CrawlSummary

How a crawl runs (scrape to files, then import):
1. fetch (`crawler.fetch`): one generic Scrapy spider (`crawler.spider`), driven by the
   portal configuration (`crawler.sites`) and pure page heuristics (`crawler.heuristics`),
   runs in a freshly *spawned* child process — Twisted's reactor cannot restart, and the
   watch loop calls `crawl()` forever in one process. The spider only fetches; the
   pipelines (`crawler.pipelines`) archive each document's bytes (govreports.archive)
   and record validators and hashes in the crawl state (`crawler.state`, SQLite).
2. import (`crawler.importer`): back in the calling process, every document the
   destination has not received in this version is parsed (`indexer.documents.parse_bytes`)
   and handed to a sink (`crawler.sinks`: Elasticsearch, or JSON Lines for `--out`).

Politeness and limits are Scrapy settings kept as data (`crawler.profiles`). The
fixture portals used by tests, benchmarks and the demo live in `crawler.portals`.
"""
