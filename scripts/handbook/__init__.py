"""Turn scraped Chinese essays into a handbook site and a print booklet.

The cleaner's story, one module a stage:
read → repair → footer → outline → typography → render (checked by faithful),
orchestrated per essay by ``clean`` and for a batch by ``cli``.
"""
