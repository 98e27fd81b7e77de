package report

// gonum.org/v1/plot draws the charts (issue 8): a well-kept plotting
// library beats hand-written SVG for axes, legends and PNG output.
import _ "gonum.org/v1/plot"
