"""The KOPP/KOV evidence base, apart from the library that analyses it.

The library (``koppmeta``) knows nothing of KOPP: effect sizes, pooling, diagnostics, figures. This
package holds what is specific to the evidence base on interventions for children of parents with a
mental illness or addiction:

- :mod:`~koppmeta.project.paths`: where the project's folders are (repository or installed package);
- :mod:`~koppmeta.project.data`: loading and validating ``data/studies.csv``, ``reviews.csv``, ``gaps.csv``;
- :mod:`~koppmeta.project.evidence`: trial rows to effects (one vectorised pass per route);
- :mod:`~koppmeta.project.overlap`: which reviews include which trials (the ``in_reviews`` column), and
  their corrected covered area;
- :mod:`~koppmeta.project.pipeline`: the analyses the notebooks, the command line and the report share,
  one function per question;
- :mod:`~koppmeta.project.report`, :mod:`~koppmeta.project.prisma`: the evidence report and its PRISMA counts;
- :mod:`~koppmeta.project.explore`: the interactive page ``reports/explore.html``;
- :mod:`~koppmeta.project.reproduce`: the main job (``make reproduce``);
- :mod:`~koppmeta.project.cli`: the ``koppmeta`` command.

``koppmeta.load_studies``, ``koppmeta.load_reviews`` and ``koppmeta.effects_for`` stay the public names.
"""
