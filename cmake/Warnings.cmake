# Warnings for all project targets; -Werror when NOSTOS_WERROR is on (CI).
option(NOSTOS_WERROR "Treat warnings as errors" OFF)
function(nostos_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
      -Wno-unused-parameter -Wno-missing-field-initializers>)
  if(NOSTOS_WERROR)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:-Werror>)
  endif()
endfunction()
