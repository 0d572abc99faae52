"""Put firmware on a board and check it is there: `mcuforge flash` (flash.command), one module
per method (pyocd_probe, openocd, uf2, gdb over our own RSP client in rsp), and the image they
all write (image: an ELF's loadable sections at their load addresses)."""
