"""Italian and English: the language choice, compiling the catalogues
(``python -m smarttouch.platform.i18n.catalogues``) and the translated labels of stored codes."""
