// theme: dark and light ImGui styles, scaled for HiDPI.
#pragma once

#include "store/settings.h"

namespace es::ui {

void theme_apply(store::theme t, float scale);

}  // namespace es::ui
