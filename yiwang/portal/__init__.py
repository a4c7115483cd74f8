"""The public portal: theme entrances (主题服务) assigned by rules over the catalog, 个人/法人 browsing,
popular items from real demand (searches and applications), the directory order, and announcements
(通知公告)."""
