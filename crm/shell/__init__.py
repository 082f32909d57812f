"""The ``crm`` shell language (crmsh 4.4.1 syntax), pure: lexer, parser, AST, XML
generation and rendering.  No I/O here; the session (``crm.shell.session``) and the front
end (``crm.cli.crm``) do that."""
