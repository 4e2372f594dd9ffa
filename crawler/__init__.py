"""Scrapy spiders that find and fetch reports from government portals."""
