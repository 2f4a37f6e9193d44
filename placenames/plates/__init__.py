"""Door plates (门牌) and street signs (地名标志): ids, scan URLs, QR codes, art and print sheets.

Pure package: no Flask, no database.  Renderers take plain values and return bytes.  Plates and
signs are laid out into the same :class:`~.art.ArtLayout` and drawn by the same renderers.

- :mod:`.ids`      plate ids (80 random bits, Crockford base32, GF(32) check character); signs
                   use the same ids
- :mod:`.payload`  scan URLs ``<base>/p/<id>`` and the optional HMAC tag ``?t=``
- :mod:`.qr`       QR module matrices (zxing-cpp, ``qrcode`` as fallback) and run merging
- :mod:`.fonts`    CJK font lookup, metrics (advance widths, ``ink_extent``) and glyph coverage
- :mod:`.art`      what every piece of art is made of: ``ArtLayout`` (ground, border, optional
                   QR panel and code, ``TextRun``, ``Polygon``), ``Box``, ``ComposedArt``,
                   ``PLATE_BLUE``
- :mod:`.layout`   plate sizes and kinds as data; the plate layout in millimetres
- :mod:`.signs`    street signs to GB 17733: ``SignKind`` (street 街牌, lane 巷牌, directional
                   指位牌, QR sign), ``SIGN_SIZES``, ``SignSpec``, ``ArrowDirection``,
                   ``layout_sign``, ``compose_sign``; the pinyin is printed with
                   :func:`placenames.naming.romanize.sign_caps` (``CHANG'AN LU``)
- :mod:`.compose`  one plate ready to draw: QR matrix + layout, glyphs checked
- :mod:`.sheets`   how many plates or signs fit on an A4/A3 sheet
- :mod:`.png`, :mod:`.svg`, :mod:`.pdf`  renderers: ``render_png``/``render_sign_png``,
                   ``render_svg``/``render_sign_svg``, the batch PDF with cut marks and a
                   manifest ``render_batch_pdf`` (``ManifestRow``) / ``render_sign_batch_pdf``
                   (``SignManifestRow``), both through ``render_art_pdf``
"""
