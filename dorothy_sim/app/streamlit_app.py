"""The Streamlit script of ``dorothy app`` (``streamlit run`` runs this file): the page itself is
:func:`dorothy_sim.app.page.main`."""

from dorothy_sim.app.page import main

main()
