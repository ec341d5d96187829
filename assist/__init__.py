"""The assist runtime: account context, retrieval, Tier-1 answers, fact inference, the call into matrix/.

It also hosts the ``assist`` command line (``assist.cli``), a thin door onto assist/ and matrix/.
"""
