//! The workspace integration suite: the real app, the sandbox and a real database, over real HTTP.
