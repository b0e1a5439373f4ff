// MathJax 3 settings for pymdownx.arithmatex (generic mode), as the mkdocs-material docs
// describe. MathJax itself is served from this site, not from a CDN, so the math renders
// with no network: docs/javascripts/mathjax/tex-svg.js is es5/tex-svg.js from the npm
// package mathjax@3.2.2 (Apache-2.0, LICENSE beside it). The SVG output needs no web fonts.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex"
  }
};

// typeset again after each page change (navigation.instant swaps pages without a reload)
document$.subscribe(() => {
  MathJax.startup.output.clearCache();
  MathJax.typesetClear();
  MathJax.texReset();
  MathJax.typesetPromise();
});
