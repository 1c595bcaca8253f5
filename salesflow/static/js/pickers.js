// Record pickers (Tom Select on selects marked data-picker-url); see docs/search.md.
