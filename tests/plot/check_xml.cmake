# Fails unless every SVG in DIR parses as XML (xmllint --noout) and there are
# at least as many as plot.api and plot.render write.
file(GLOB svgs ${DIR}/*.svg)
list(LENGTH svgs n)
if(n LESS 10)
  message(FATAL_ERROR "only ${n} SVG files in ${DIR}: run plot.api and plot.render first")
endif()
foreach(f IN LISTS svgs)
  execute_process(COMMAND ${XMLLINT} --noout ${f} RESULT_VARIABLE rc ERROR_VARIABLE msg)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "not well-formed: ${f}\n${msg}")
  endif()
endforeach()
message(STATUS "${n} SVG files are well-formed XML")
