// Keyboard shortcuts and the ? overlay; see docs/everyday.md.
