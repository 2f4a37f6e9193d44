"""Door plates (门牌): plate ids, scan URLs, QR codes, plate art and print sheets.

Pure package: no Flask, no database.  Renderers take plain values and return bytes.

- :mod:`.ids`      plate ids (80 random bits, Crockford base32, GF(32) check character)
- :mod:`.payload`  scan URLs ``<base>/p/<id>`` and the optional HMAC tag ``?t=``
- :mod:`.qr`       QR module matrices (zxing-cpp, ``qrcode`` as fallback) and run merging
- :mod:`.fonts`    CJK font lookup, metrics and glyph coverage
- :mod:`.layout`   plate sizes and kinds as data; the plate layout in millimetres
- :mod:`.compose`  one plate ready to draw: QR matrix + layout, glyphs checked
- :mod:`.sheets`   how many plates fit on an A4/A3 sheet
- :mod:`.png`, :mod:`.svg`, :mod:`.pdf`  renderers (one plate PNG/SVG; batch PDF + manifest)
"""
