"""Documents (文件): uploads judged by content, content-addressed storage (sealed bids as their ciphertext), PDFs.

``sniff``, ``storage`` and ``pdf`` are pure code with no database access;
``models`` and ``services`` record who uploaded what and use them.
"""
