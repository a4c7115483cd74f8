"""Organisation: regions by 行政区划 code (a tree) and departments (with their USCC)."""
