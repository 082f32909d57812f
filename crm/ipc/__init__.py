"""Local IPC: length-prefixed frames over unix sockets, JSON requests and replies, the
peer-credential check (root and the ``haclient`` group), and the run directory where each
node's daemons put their sockets."""
