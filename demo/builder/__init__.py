"""The demo site's builder, run by demo/build_site.py.

content.py reads and checks the article sources, markup.py holds the helpers every outlet
writes with, one module per outlet renders that outlet's pages (inewstoday.py,
tripoli_tribune.py, akhbar_barqa.py), and site.py puts it all together and writes it out.
"""
