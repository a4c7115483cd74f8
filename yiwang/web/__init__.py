"""Server-rendered pages in Simplified Chinese, by audience: portal (the public and applicants),
workbench (staff), admin. Every core task works without JavaScript."""
